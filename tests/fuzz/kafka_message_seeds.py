#!/usr/bin/python3
"""Writes the seed corpus of the kafka_message fuzz target: for every API in
protocols/kafka/api/*.def and every version it decodes, one request body with
every field present (strings "x", one element in every array, tag buffers
empty), prefixed with the API key and the version as the target reads them.

  python3 tests/fuzz/kafka_message_seeds.py   (from the repository root)
"""
import glob
import importlib.util
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    "kafka_gen", os.path.join(ROOT, "protocols", "kafka", "gen", "kafka_gen.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

FIXED = {"bool": b"\0", "int8": b"\0", "int16": b"\0\0", "uint16": b"\0\0",
         "int32": b"\0" * 4, "int64": b"\0" * 8, "float64": b"\0" * 8, "uuid": b"\0" * 16}


def length(n, flex, wide):
    if flex:
        out, n = b"", n + 1
        while n >= 0x80:
            out += bytes([n & 0x7F | 0x80])
            n >>= 7
        return out + bytes([n])
    return struct.pack(">i" if wide else ">h", n)


def value(api, f, v, flex):
    if f.struct:
        return struct_body(api, f.struct, v, flex)
    if f.type in FIXED:
        return FIXED[f.type]
    if f.type == "string":
        return length(1, flex, False) + b"x"
    return length(0, flex, True)  # bytes, records: empty


def struct_body(api, name, v, flex):
    out = b""
    for f in api.structs[name].fields:
        if not gen.inside(v, f.vr) or f.tag is not None:
            continue
        if f.array:
            out += length(1, flex, True) + value(api, f, v, flex)
        else:
            out += value(api, f, v, flex)
    return out + (b"\0" if flex else b"")


def main():
    out = os.path.join(ROOT, "tests", "fuzz", "corpus", "kafka_message")
    os.makedirs(out, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(ROOT, "protocols", "kafka", "api", "*.def"))):
        api = gen.parse_def(path)
        for v in range(api.validr[0], api.validr[1] + 1):
            body = struct_body(api, api.request.name, v, api.flex(v))
            with open(os.path.join(out, "%s_v%d" % (api.stem, v)), "wb") as fh:
                fh.write(bytes([api.key, v]) + body)


if __name__ == "__main__":
    main()
