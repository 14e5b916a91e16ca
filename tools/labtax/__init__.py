"""labtax: a Git-native taxonomy repository and toolchain for LAB-style synthetic data."""

__version__ = "0.1.0"
