"""A row-cursor DataTable with the vim keys every table in the app shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Cell = Text | str


class VimTable(DataTable[Cell]):
    """DataTable with `j/k/g/G`. Cells are built as `rich.text.Text` by the tabs (never plain `str`
    from the store: DataTable parses `str` cells as markup)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring every new cell when no column sizes itself to its content.

        Textual measures each cell of each new row to size auto-width columns (~25 µs a cell: 100 ms
        for a 500-row page of the Markets tab). With fixed column widths and one-line rows the result
        is never used; only the virtual size needs setting. Relies on DataTable internals of the
        pinned Textual version (tests/tui cover paging, sorting and in-place updates).
        """
        fixed = self.columns and all(not column.auto_width for column in self.columns.values())
        if not fixed or any(self.rows[key].auto_height for key in new_rows if key in self.rows):
            before = [column.get_render_width(self) for column in self.columns.values()]
            super()._update_dimensions(new_rows)
            if before != [column.get_render_width(self) for column in self.columns.values()]:
                # Cells drawn before this measurement (a frame between `add_row` and the idle that
                # measures, as on a resize) are cached at the old widths under the same cache key:
                # drop them, or auto-width columns stay cut at their heading's width.
                self._clear_caches()
                self.refresh()
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor can sit past the end right after rows were removed
            return None

    def move_to_key(self, key: str) -> bool:
        """Put the cursor on the row with `key` (scrolling it into view); False if absent."""
        try:
            index = self.get_row_index(key)
        except Exception:
            return False
        self.move_cursor(row=index)
        return True
