"""Numerical self-test of the scientific stack: prints results a test can check exactly."""
import numpy as np
import scipy
from scipy import integrate, linalg, optimize

# A fixed 3x3 system: exact solution (1, -2, 3).
a = np.array([[4.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 4.0]])
x_true = np.array([1.0, -2.0, 3.0])
x = linalg.solve(a, a @ x_true)
print("solve:", " ".join(f"{v:.6f}" for v in x))

# Integral of sin over [0, pi] is exactly 2.
value, _ = integrate.quad(np.sin, 0.0, np.pi)
print(f"quad sin 0..pi: {value:.10f}")

# Root of cos(x) - x (the Dottie number).
root = optimize.brentq(lambda t: np.cos(t) - t, 0.0, 1.0)
print(f"dottie: {root:.10f}")

# FFT of a pure tone: the energy sits in bin 5.
n = 64
signal = np.sin(2 * np.pi * 5 * np.arange(n) / n)
peak = int(np.argmax(np.abs(np.fft.rfft(signal))))
print(f"fft peak bin: {peak}")

print(f"numpy {np.__version__} scipy {scipy.__version__}")
