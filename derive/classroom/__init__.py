"""To the classroom: quizzes exported to Moodle and Canvas, per-student papers, grading.

- `asks`: what a problem asks (its `ask` table) as question parts;
- `quiz`: a problem set's variants as questions, each named by (problem, variant);
- `html`: question text and worked-solution feedback as HTML with MathJax delimiters;
- `moodle`, `canvas`: the LMS files, written with ElementTree and read back to check;
- `roster`, `papers`: students, their variants by SHA-256 of (seed, id), their sheets;
- `csvio`, `responses`, `grading`: hostile-proof CSV, answer files read, grades written.
"""
