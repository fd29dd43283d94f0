public enum QCCIOPlaceholder {}
