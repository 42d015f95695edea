# Regenerates the numpy fixtures used by NpyTests and NpzTests.
# Run: python3 make_fixtures.py  (numpy >= 1.17). Values are simple
# formulas so the tests can recompute them.
import numpy as np

def a(shape, dtype):
    n = int(np.prod(shape))
    return ((np.arange(n) - n // 2) * 0.25).astype(dtype).reshape(shape)

np.save("f32_2x3.npy", a((2, 3), "<f4"))
np.save("f16_5.npy", a((5,), "<f2"))
np.save("f64_3x2.npy", a((3, 2), "<f8"))
np.save("u1_4.npy", np.array([0, 1, 127, 255], dtype="|u1"))
np.save("i8_3.npy", np.array([-5, 0, 1 << 40], dtype="<i8"))
np.save("bool_3.npy", np.array([True, False, True]))
np.save("scalar.npy", np.array(2.5, dtype="<f4"))
np.save("empty_0x4.npy", np.zeros((0, 4), dtype="<f4"))
with open("v2_f32_2x2.npy", "wb") as f:
    np.lib.format.write_array(f, a((2, 2), "<f4"), version=(2, 0))
with open("v3_f32_2x2.npy", "wb") as f:
    np.lib.format.write_array(f, a((2, 2), "<f4"), version=(3, 0))
np.save("object.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
np.save("unicode.npy", np.array(["ab", "c"]))
np.save("bigendian.npy", a((3,), ">f4"))
np.save("fortran_2x3.npy", np.asfortranarray(a((2, 3), "<f4")))
np.savez("stored.npz", w=a((4, 3), "<f4"), b=a((3,), "<f2"), step=np.array(7, dtype="<i8"))
np.savez_compressed("deflated.npz", w=a((4, 3), "<f4"), b=a((3,), "<f2"), zeros=np.zeros((64, 64), dtype="<f4"))

# The spirals-mlp sample weights as numpy archives (stored and deflated),
# for the test that a model spec takes its weights from an .npz.
from safetensors.numpy import load_file
w = load_file("../../../SampleModels/spirals-mlp/weights.safetensors")
np.savez("spirals_weights_stored.npz", **w)
np.savez_compressed("spirals_weights_deflated.npz", **w)
