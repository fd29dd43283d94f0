import QCCIR
