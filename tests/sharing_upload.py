"""The small upload the report and pack tests share: 60 customers in three groups, one
without income (no segment), formulas and a quoted comma in a text column, and segment
names that are hostile to HTML and to file systems."""

from __future__ import annotations

HOSTILE = "<script>alert(1)</script>"
ROWS = ["customer_id,income,spend,revenue,note"]
for i in range(60):
    group = i % 3
    income = "" if i == 7 else f"{20 + 40 * group + i % 5}"
    note = "=HYPERLINK(1)" if i == 4 else ('"a,b"' if i == 5 else "ok")
    ROWS.append(f"C{i:03d},{income},{10 + 30 * group + i % 7},{100 * (group + 1) + i},{note}")
UPLOAD = ("\n".join(ROWS) + "\n").encode()
NAMES = ["CON", HOSTILE, "Très fidèles / VIP: 2024?"]
