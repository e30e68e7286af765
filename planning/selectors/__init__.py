"""Planning reads, split by sub-domain. The board's selectors are re-exported here for their many
callers; the PI Planning selectors are imported from their own modules."""

from .board import (
    Board,
    BoardFilters,
    BoardString,
    board_dependencies,
    board_features,
    board_strings,
    card_for_user,
    current_pi,
    pis_of_train,
    program_board,
    string_json,
    strings_after_move,
    with_card_figures,
    wsjf_key,
)

__all__ = [
    "Board",
    "BoardFilters",
    "BoardString",
    "board_dependencies",
    "board_features",
    "board_strings",
    "card_for_user",
    "current_pi",
    "pis_of_train",
    "program_board",
    "string_json",
    "strings_after_move",
    "with_card_figures",
    "wsjf_key",
]
