# VGG-16 (configuration D) as torchvision.models.vgg16 builds it: input 3x224x224,
# 138,357,544 parameters.
Sequential(
    features=Sequential(
        Conv2d(3, 64, 3, padding=1), ReLU(), Conv2d(64, 64, 3, padding=1), ReLU(), MaxPool2d(2),
        Conv2d(64, 128, 3, padding=1), ReLU(), Conv2d(128, 128, 3, padding=1), ReLU(),
        MaxPool2d(2),
        Conv2d(128, 256, 3, padding=1), ReLU(), Conv2d(256, 256, 3, padding=1), ReLU(),
        Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(2),
        Conv2d(256, 512, 3, padding=1), ReLU(), Conv2d(512, 512, 3, padding=1), ReLU(),
        Conv2d(512, 512, 3, padding=1), ReLU(), MaxPool2d(2),
        Conv2d(512, 512, 3, padding=1), ReLU(), Conv2d(512, 512, 3, padding=1), ReLU(),
        Conv2d(512, 512, 3, padding=1), ReLU(), MaxPool2d(2)),
    avgpool=AdaptiveAvgPool2d((7, 7)), flatten=Flatten(),
    classifier=Sequential(Linear(512 * 7 * 7, 4096), ReLU(), Dropout(),
                          Linear(4096, 4096), ReLU(), Dropout(), Linear(4096, 1000)))
