# ResNet-50 as torchvision.models.resnet50 builds it: input 3x224x224, 25,557,032 parameters.
Sequential(
    conv1=Conv2d(3, 64, 7, stride=2, padding=3, bias=False), bn1=BatchNorm2d(64), relu=ReLU(),
    maxpool=MaxPool2d(3, stride=2, padding=1),
    layer1=Sequential(Bottleneck(64, 64), Bottleneck(256, 64), Bottleneck(256, 64)),
    layer2=Sequential(Bottleneck(256, 128, stride=2), Bottleneck(512, 128),
                      Bottleneck(512, 128), Bottleneck(512, 128)),
    layer3=Sequential(Bottleneck(512, 256, stride=2), Bottleneck(1024, 256),
                      Bottleneck(1024, 256), Bottleneck(1024, 256), Bottleneck(1024, 256),
                      Bottleneck(1024, 256)),
    layer4=Sequential(Bottleneck(1024, 512, stride=2), Bottleneck(2048, 512),
                      Bottleneck(2048, 512)),
    avgpool=AdaptiveAvgPool2d((1, 1)), flatten=Flatten(), fc=Linear(2048, 1000))
