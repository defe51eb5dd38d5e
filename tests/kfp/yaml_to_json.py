#!/usr/bin/env python3
"""Print each YAML file given as JSON, one document per line, read with PyYAML's
``safe_load`` as kfp reads specs (so ``y`` and ``n`` stay strings, as kfp reads them)."""

import json
import sys

import yaml

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        print(json.dumps(yaml.safe_load(file)))
