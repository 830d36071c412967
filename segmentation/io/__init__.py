"""Reading customer files: formats, delimiters, encodings, number formats, id as text.

The reader works in two steps. First every cell is read as the exact text written in the
file (`CustomerData.raw`), with pyarrow's multi-threaded CSV parser on the fast path and
Python's ``csv`` module only for irregular files. Then each column is typed once, as a
whole: it is numeric when every non-missing cell parses as a number (possibly after
removing currency signs, thousands separators or a percent sign), otherwise it stays text.

One module per job:

- ``read``           `read_customers`: format detection, then the steps below in order
- ``formats``        bytes of a path or upload, not-a-table refusals, encodings, delimiter sniffing
- ``scan``           byte scans over a file without copies (line ends, quotes, leading zeros)
- ``pieces``         pyarrow's CSV parser over a file cut into one piece per core
- ``typed``          the typed streaming CSV reader (numbers straight into one float64 block)
- ``text``           the text readers: every cell as text, and the row-by-row fallback
                     (``rows_worker``: that parser, in its own process for big files)
- ``limits``         what one upload may cost (`Limits`, `APP_LIMITS`), checked before parsing
- ``excel``          .xlsx workbooks (``excel_worker``: the sheet read in its own process)
- ``parquet``        Parquet files
- ``tidy``           column names, empty unnamed columns, repeated header rows
- ``numbers``        number typing: decimal commas, currency, thousands, percent (`Cleaning`)
- ``ids``            finding the customer id column
- ``columns``        typing every column, the typed frame and its health report
- ``customer_data``  `CustomerData` and its text cells built on demand
"""

from segmentation.io.customer_data import CustomerData
from segmentation.io.formats import DELIMITERS
from segmentation.io.ids import ID_NAMES
from segmentation.io.limits import APP_LIMITS, NO_LIMITS, Limits
from segmentation.io.numbers import CURRENCY_SYMBOLS, MISSING_MARKERS
from segmentation.io.read import MIN_CUSTOMERS, read_customers

__all__ = [
    "APP_LIMITS",
    "CURRENCY_SYMBOLS",
    "DELIMITERS",
    "ID_NAMES",
    "MIN_CUSTOMERS",
    "MISSING_MARKERS",
    "NO_LIMITS",
    "CustomerData",
    "Limits",
    "read_customers",
]
