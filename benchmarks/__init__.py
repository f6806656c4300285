"""Benchmarks, run from the repository root as modules: ``python -m benchmarks.bench_train_step``.

This file imports nothing: each benchmark imports ``benchmarks._setup`` first, which pins the BLAS
threads before NumPy loads (see README.md).
"""
