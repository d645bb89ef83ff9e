# ResNet-18 as torchvision.models.resnet18 builds it (state_dict names included):
# input 3x224x224, 11,689,512 parameters.
Sequential(
    conv1=Conv2d(3, 64, 7, stride=2, padding=3, bias=False), bn1=BatchNorm2d(64), relu=ReLU(),
    maxpool=MaxPool2d(3, stride=2, padding=1),
    layer1=Sequential(BasicBlock(64, 64), BasicBlock(64, 64)),
    layer2=Sequential(BasicBlock(64, 128, stride=2), BasicBlock(128, 128)),
    layer3=Sequential(BasicBlock(128, 256, stride=2), BasicBlock(256, 256)),
    layer4=Sequential(BasicBlock(256, 512, stride=2), BasicBlock(512, 512)),
    avgpool=AdaptiveAvgPool2d((1, 1)), flatten=Flatten(), fc=Linear(512, 1000))
