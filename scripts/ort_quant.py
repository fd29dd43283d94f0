"""onnxruntime's side of the benchmarks: its static int8 quantization and a one-thread session.

Shared by scripts/bench_accuracy.py (accuracy of onnxruntime's int8 model) and
scripts/bench_codegen.py (its latency), so both measure the same model:

- `quantize_qdq(source, dest, calib_dir, method)`: `quantize_static` in QDQ
  format, int8 weights per channel, uint8 activations, calibrated with the
  given method (MinMax, Percentile, Entropy) on calib_dir/<input>.npy, one
  feed per sample (sample i of input X is calib/X.npy[i]).
- `session_options()`: one intra-op and one inter-op thread, sequential
  execution, onnxruntime's default graph optimizations (ORT_ENABLE_ALL).

onnxruntime is imported inside the functions, so importing this module costs
nothing and works without it.
"""
import os

import numpy as np

QDQ_SETTINGS = "quantize_static QDQ, per-channel int8 weights, uint8 activations"


def calib_input_names(calib_dir):
    """The inputs calib_dir holds samples for: calib_dir/<input>.npy, sorted by name."""
    return sorted(f[:-4] for f in os.listdir(calib_dir) if f.endswith(".npy"))


def calibration_reader(calib_dir, names=None):
    """A CalibrationDataReader over calib_dir/<input>.npy, one feed per sample."""
    from onnxruntime.quantization import CalibrationDataReader

    class CalibReader(CalibrationDataReader):
        """The calib/ samples, one feed per sample (sample i of input X is calib/X.npy[i])."""

        def __init__(self, names):
            self.data = {n: np.load(os.path.join(calib_dir, n + ".npy")) for n in names}
            self.count = min(len(a) for a in self.data.values())
            self.index = 0

        def get_next(self):
            if self.index >= self.count:
                return None
            feed = {n: a[self.index] for n, a in self.data.items()}
            self.index += 1
            return feed

        def rewind(self):
            self.index = 0

    return CalibReader(names if names is not None else calib_input_names(calib_dir))


def quantize_qdq(source, dest, calib_dir, method="MinMax"):
    """onnxruntime's static int8 QDQ model of `source`, written to `dest`, calibrated on calib_dir with `method`."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    quantize_static(source, dest, calibration_reader(calib_dir), quant_format=QuantFormat.QDQ, per_channel=True,
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                    calibrate_method=getattr(CalibrationMethod, method))


def session_options(optimization="ORT_ENABLE_ALL"):
    """Session options for one-thread measurements: 1 intra-op, 1 inter-op thread, sequential execution."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, optimization)
    return options
