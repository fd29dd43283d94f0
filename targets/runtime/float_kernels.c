#include "qcc_kernels.h"
