print("qcc")
