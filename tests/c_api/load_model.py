"""Loads a model library through mblob's C API (include/mblob/runtime/mblob.h) with ctypes and
checks each payload against a file: SHA-256 of the payload view (read in place, no copy by the
runtime) against SHA-256 of the file on disk.

Usage: load_model.py LIBMBLOB_RUNTIME LIBRARY KIND=FILE...
Prints one line per module ("module <i> kind=<kind> bytes=<n> sha256=<hex> imports=<i,j>") and
"ok" at the end; exits 1 when a digest differs, a KIND is missing, or the library cannot be
opened (the error message on stderr). Run by tests/runtime_c_api_test.cc.
"""
import ctypes
import hashlib
import sys


def bind(runtime_path):
    lib = ctypes.CDLL(runtime_path)
    tree_p = ctypes.c_void_p
    size_p = ctypes.POINTER(ctypes.c_size_t)
    lib.mblob_version.restype = ctypes.c_char_p
    lib.mblob_version.argtypes = []
    lib.mblob_open_library.restype = tree_p
    lib.mblob_open_library.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_void_p)]
    lib.mblob_free_error.restype = None
    lib.mblob_free_error.argtypes = [ctypes.c_void_p]
    lib.mblob_close.restype = None
    lib.mblob_close.argtypes = [tree_p]
    lib.mblob_module_count.restype = ctypes.c_size_t
    lib.mblob_module_count.argtypes = [tree_p]
    lib.mblob_module_kind.restype = ctypes.c_void_p
    lib.mblob_module_kind.argtypes = [tree_p, ctypes.c_size_t, size_p]
    lib.mblob_module_payload.restype = ctypes.c_void_p
    lib.mblob_module_payload.argtypes = [tree_p, ctypes.c_size_t, size_p]
    lib.mblob_module_imports.restype = ctypes.POINTER(ctypes.c_uint64)
    lib.mblob_module_imports.argtypes = [tree_p, ctypes.c_size_t, size_p]
    return lib


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    lib = bind(argv[1])
    expected = {}
    for arg in argv[3:]:
        kind, _, path = arg.partition("=")
        with open(path, "rb") as f:
            expected[kind.encode()] = hashlib.sha256(f.read()).hexdigest()

    error = ctypes.c_void_p()
    tree = lib.mblob_open_library(argv[2].encode(), None, ctypes.byref(error))
    if not tree:
        print("load_model.py: " + ctypes.string_at(error.value).decode(errors="replace"),
              file=sys.stderr)
        lib.mblob_free_error(error)
        return 1
    failed = False
    try:
        print("version=" + lib.mblob_version().decode())
        for i in range(lib.mblob_module_count(tree)):
            n = ctypes.c_size_t()
            kind = ctypes.string_at(lib.mblob_module_kind(tree, i, ctypes.byref(n)), n.value)
            ptr = lib.mblob_module_payload(tree, i, ctypes.byref(n))
            # A view of the mapped bytes (no copy) for hashing.
            view = memoryview((ctypes.c_ubyte * n.value).from_address(ptr)) if ptr else b""
            digest = hashlib.sha256(view).hexdigest()
            imports = lib.mblob_module_imports(tree, i, ctypes.byref(n))
            indices = [imports[j] for j in range(n.value)]
            print("module %d kind=%s bytes=%d sha256=%s imports=%s" % (
                i, kind.decode(errors="replace"), len(view), digest,
                ",".join(str(j) for j in indices)))
            if kind in expected:
                if expected.pop(kind) != digest:
                    print("load_model.py: %s payload differs from its file" % kind.decode(),
                          file=sys.stderr)
                    failed = True
    finally:
        lib.mblob_close(tree)
    for kind in expected:
        print("load_model.py: no module of kind %s" % kind.decode(), file=sys.stderr)
        failed = True
    if failed:
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
