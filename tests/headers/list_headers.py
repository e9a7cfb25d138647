#!/usr/bin/env python3
"""Prints every project header under the source folders, one per line (for meson)."""
import os
import sys

root = sys.argv[1]
for top in ("lib", "storage", "core", "protocols", "gateway"):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for f in sorted(files):
            if f.endswith(".h"):
                print(os.path.relpath(os.path.join(dirpath, f), root))
