/* Makes a missing `make generate` fail with a message that says so. */
#include "qcc_onnx_proto.h"
