"""Axial positional encodings (Reformer), chapter 7.

A learned table with one d-vector per position costs n·d parameters: for n = 2^19 positions and
d = 2^10 that is half a billion numbers, more than the rest of the model. Reformer factors the
positions as a grid n = n1 · n2 and learns two small tables instead, E1 (n1, d1) for the grid rows
and E2 (n2, d2) for the columns; position p gets concat(E1[row], E2[col]), of size d = d1 + d2.
The parameter count drops from n·d to n1·d1 + n2·d2.
"""

from __future__ import annotations

import torch
from torch import nn

# --------------------------------------------------------------------------------------- checks


def _check_pair(name: str, pair: tuple[int, int]) -> tuple[int, int]:
    ok = (
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in pair)
    )
    if not ok:
        raise ValueError(
            f"{name} must be 2 positive ints (one per grid axis), got {pair!r}; e.g. shape=(64, 64), dims=(64, 192)"
        )
    return int(pair[0]), int(pair[1])


# ---------------------------------------------------------------------------- parameter counts


def full_position_params(n_positions: int, d: int) -> int:
    """Parameters of a learned position table with one d-vector per position: n · d."""
    for name, x in (("n_positions", n_positions), ("d", d)):
        if not isinstance(x, int) or isinstance(x, bool) or x < 1:
            raise ValueError(f"{name} must be a positive int, got {x!r}")
    return n_positions * d


def axial_position_params(shape: tuple[int, int], dims: tuple[int, int]) -> int:
    """Parameters of an axial encoding with grid shape (n1, n2) and dims (d1, d2): n1·d1 + n2·d2."""
    n1, n2 = _check_pair("shape", shape)
    d1, d2 = _check_pair("dims", dims)
    return n1 * d1 + n2 * d2


# ------------------------------------------------------------------------------ the encoding


class AxialPositionalEncoding(nn.Module):
    """Position p on an (n1, n2) grid ↦ concat(E1[p // n2], E2[p % n2]), a (d1 + d2)-vector.

    Index order, as in transformers' AxialPositionEmbeddings: p = row · n2 + col (row = p // n2,
    col = p % n2), i.e. the column index runs fastest. Why: HF broadcasts its two tables to an
    (n1, n2, d) grid and reshapes it to (n1 · n2, d), and a reshape reads the grid row by row.
    So consecutive positions share a row vector and differ in their column vector.
    """

    def __init__(self, shape: tuple[int, int], dims: tuple[int, int]) -> None:
        super().__init__()
        self.shape = _check_pair("shape", shape)
        self.dims = _check_pair("dims", dims)
        (n1, n2), (d1, d2) = self.shape, self.dims
        # Normal(0, 1) init, like HF's default axial_norm_std = 1.0.
        self.row_embeddings = nn.Parameter(torch.randn(n1, d1))  # E1: (n1, d1), one vector per grid row
        self.col_embeddings = nn.Parameter(torch.randn(n2, d2))  # E2: (n2, d2), one vector per grid column

    @property
    def max_positions(self) -> int:
        """How many positions the grid can encode: n1 · n2."""
        return self.shape[0] * self.shape[1]

    def _too_long(self, what: str) -> ValueError:
        n1, n2 = self.shape
        return ValueError(
            f"{what}, but this encoding covers only positions 0 … {self.max_positions - 1} "
            f"(shape {n1} × {n2} = {self.max_positions}). Build it with a bigger grid whose product covers your "
            f"longest sequence, e.g. shape=({n1}, {2 * n2})"
        )

    def forward(self, position_ids: torch.Tensor | int) -> torch.Tensor:
        """(B, n) LongTensor of positions, or an int length n for positions 0 … n-1 → (B, n, d1 + d2)."""
        if isinstance(position_ids, int) and not isinstance(position_ids, bool):
            if position_ids < 1:
                raise ValueError(f"length must be a positive int, got {position_ids}")
            if position_ids > self.max_positions:
                raise self._too_long(f"length {position_ids} was asked for")
            position_ids = torch.arange(position_ids, device=self.row_embeddings.device)[None]  # (1, n)
        if not isinstance(position_ids, torch.Tensor) or position_ids.ndim != 2 or position_ids.is_floating_point():
            got = tuple(position_ids.shape) if isinstance(position_ids, torch.Tensor) else type(position_ids).__name__
            raise ValueError(
                f"position_ids must be an int length or a (batch, length) LongTensor, got {got}; "
                "for one sequence use torch.arange(n)[None]"
            )
        if position_ids.numel() and position_ids.min() < 0:
            raise ValueError(f"position ids must be ≥ 0, got {position_ids.min().item()}")
        if position_ids.numel() and position_ids.max() >= self.max_positions:
            raise self._too_long(f"position id {position_ids.max().item()} was asked for")
        n2 = self.shape[1]
        row, col = position_ids // n2, position_ids % n2  # (B, n) each: p = row · n2 + col
        return torch.cat([self.row_embeddings[row], self.col_embeddings[col]], dim=-1)  # (B, n, d1 + d2)

    @classmethod
    def from_config(cls, config: object) -> AxialPositionalEncoding:
        """A fresh encoding with the grid and dims of a transformers ReformerConfig, checked against its hidden_size."""
        if not all(hasattr(config, a) for a in ("axial_pos_shape", "axial_pos_embds_dim", "hidden_size")):
            raise TypeError(
                f"config must be a transformers ReformerConfig (with axial_pos_shape, axial_pos_embds_dim and "
                f"hidden_size), got {type(config).__name__}"
            )
        shape = _check_pair("config.axial_pos_shape", tuple(config.axial_pos_shape))
        dims = _check_pair("config.axial_pos_embds_dim", tuple(config.axial_pos_embds_dim))
        if sum(dims) != config.hidden_size:
            d = config.hidden_size
            raise ValueError(
                f"axial dims {dims} sum to {sum(dims)} but the model's hidden_size is {d}: the encoding is added "
                f"to the token embeddings, so d1 + d2 must equal {d}; e.g. axial_pos_embds_dim=({d // 4}, {d - d // 4})"
            )
        return cls(shape, dims)

    @classmethod
    def from_transformers(cls, hf_module: nn.Module) -> AxialPositionalEncoding:
        """Copy the two tables of a transformers AxialPositionEmbeddings (stored there as (n1, 1, d1), (1, n2, d2))."""
        if not hasattr(hf_module, "axial_pos_shape") or not hasattr(hf_module, "weights"):
            raise TypeError(
                f"expected a transformers AxialPositionEmbeddings, got {type(hf_module).__name__}; "
                "in a ReformerModel it is model.embeddings.position_embeddings (needs axial_pos_embds=True)"
            )
        shape = _check_pair("axial_pos_shape", tuple(hf_module.axial_pos_shape))
        rows, cols = hf_module.weights  # (n1, 1, d1), (1, n2, d2): broadcastable to the (n1, n2, ·) grid
        enc = cls(shape, (rows.shape[-1], cols.shape[-1]))
        with torch.no_grad():
            enc.row_embeddings.copy_(rows.reshape(shape[0], -1))  # (n1, d1)
            enc.col_embeddings.copy_(cols.reshape(shape[1], -1))  # (n2, d2)
        return enc.to(rows.device)


# --------------------------------------------------------------------------------- properties


def all_positions_distinct(encodings: torch.Tensor) -> bool:
    """True when every row of an (n, d) (or (1, n, d)) table of position encodings is different from all others.

    Why an axial encoding passes with random tables: two positions p ≠ p' differ in their row or in
    their column on the grid. If the rows differ, the first d1 numbers are E1[row] ≠ E1[row']; if
    the columns differ, the last d2 numbers are E2[col] ≠ E2[col']. Because the two parts are
    concatenated (not added), one differing part is enough — as long as E1 has distinct rows and E2
    has distinct rows, which random tables have with probability 1.
    """
    if not isinstance(encodings, torch.Tensor):
        raise TypeError(f"encodings must be a tensor of shape (n, d), got {type(encodings).__name__}")
    if encodings.ndim == 3 and encodings.shape[0] == 1:
        encodings = encodings[0]
    if encodings.ndim != 2:
        raise ValueError(f"expected an (n, d) table of encodings (or (1, n, d)), got shape {tuple(encodings.shape)}")
    return torch.unique(encodings, dim=0).shape[0] == encodings.shape[0]
