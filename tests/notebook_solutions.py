"""Pull the solution code out of a notebook's revealable <details><summary>Solution</summary> blocks."""

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BLOCK = re.compile(r"<summary>\s*Solution.*?</summary>.*?```python\n(.*?)```", re.S)


def solutions_from_notebook(name: str) -> dict:
    """Execute every solution block of a notebook and return the functions they define, by name."""
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    import math

    import numpy
    import torch
    import torch.nn.functional as F  # noqa: N812

    namespace: dict = {"torch": torch, "np": numpy, "numpy": numpy, "F": F, "math": math}  # the notebooks' imports
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for code in BLOCK.findall("".join(cell["source"])):
                exec(compile(code, f"{name}:solution", "exec"), namespace)
    imported = {"torch", "np", "numpy", "F", "math"}
    return {k: v for k, v in namespace.items() if callable(v) and not k.startswith("_") and k not in imported}
