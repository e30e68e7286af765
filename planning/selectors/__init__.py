"""Planning reads, split by sub-domain. The board's selectors (and the PI it shows) are re-exported
here for their many callers; the PI Planning selectors are imported from their own modules."""

from .board import (
    Board,
    BoardFilters,
    BoardString,
    board_delta,
    board_dependencies,
    board_features,
    board_strings,
    card_for_user,
    program_board,
    string_json,
    strings_after_move,
    with_card_figures,
    wsjf_key,
)
from .pis import pi_being_run, pi_on_the_board, pis_of_train

__all__ = [
    "Board",
    "BoardFilters",
    "BoardString",
    "board_delta",
    "board_dependencies",
    "board_features",
    "board_strings",
    "card_for_user",
    "pi_being_run",
    "pi_on_the_board",
    "pis_of_train",
    "program_board",
    "string_json",
    "strings_after_move",
    "with_card_figures",
    "wsjf_key",
]
