# AlexNet as torchvision.models.alexnet builds it: input 3x224x224, 61,100,840 parameters.
Sequential(
    features=Sequential(
        Conv2d(3, 64, 11, stride=4, padding=2), ReLU(), MaxPool2d(3, stride=2),
        Conv2d(64, 192, 5, padding=2), ReLU(), MaxPool2d(3, stride=2),
        Conv2d(192, 384, 3, padding=1), ReLU(), Conv2d(384, 256, 3, padding=1), ReLU(),
        Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(3, stride=2)),
    avgpool=AdaptiveAvgPool2d((6, 6)), flatten=Flatten(),
    classifier=Sequential(Dropout(), Linear(256 * 6 * 6, 4096), ReLU(),
                          Dropout(), Linear(4096, 4096), ReLU(), Linear(4096, 1000)))
