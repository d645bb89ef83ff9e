"""A CuPy-like device for tests: the fake of tests/test_train.py, made as strict as CuPy.

That fake checks ufuncs only; CuPy also refuses host arrays in its other functions
(`cupy.where`, `cupy.stack`, ...) and creates new arrays on the device. So here every NumPy
function called on a device array refuses a host array among its arguments and returns
device arrays, and the creation functions (`zeros`, `arange`, ...) return device arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.test_train import DeviceArray, FakeDevice

CREATION = ("zeros", "ones", "full", "empty", "arange", "eye", "linspace")


def _host(value: Any, name: str) -> Any:
    """The host view of device arrays inside `value`; a host array is refused."""
    if isinstance(value, DeviceArray):
        return value.view(np.ndarray)
    if isinstance(value, np.ndarray) and value.ndim:
        raise TypeError(f"{name}: a host array met a device array")
    if isinstance(value, list | tuple):
        return type(value)(_host(v, name) for v in value)
    return value


def _device(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.view(StrictDeviceArray)
    if isinstance(value, tuple | list):  # np.split returns a list, cupy.split device arrays
        return type(value)(_device(v) for v in value)
    return value


class StrictDeviceArray(DeviceArray):
    """Device memory that no NumPy function mixes with host memory."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _device(super().__array_ufunc__(ufunc, method, *inputs, **kwargs))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = func.__name__
        return _device(func(*_host(args, name), **{k: _host(v, name)
                                                   for k, v in kwargs.items()}))


class StrictDevice(FakeDevice):
    """NumPy behind CuPy's boundary: only `asarray` and the creation functions make device
    arrays, and host arrays never meet them."""

    def __getattr__(self, name: str) -> Any:
        if name in CREATION:
            make = getattr(np, name)
            return lambda *args, **kwargs: make(*args, **kwargs).view(StrictDeviceArray)
        return super().__getattr__(name)

    def asarray(self, value: Any, dtype: Any = None) -> StrictDeviceArray:
        return np.array(value, dtype=dtype).view(StrictDeviceArray)
