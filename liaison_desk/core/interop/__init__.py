"""Formats officers already use: vCard, iCalendar and CSV in and out, and report contents.

Qt-free, like the rest of core. Each format module only reads and writes its
format (`vcard` with `vcard_lines`, `vcard_writer`, `ical`, `csv_export`); the
modules that touch the vault say which way data moves (`contact_import` with
`duplicates` and `org_chains`, `contact_export`, `meeting_import`,
`meeting_export`, `report_data`). Files come in through `text_input` (size,
encodings, binary checks naming the line) and go out through `export_file`
(atomic, audited with counts only); what an import leaves out is said by
`import_report`. PDF rendering needs Qt and lives in
`liaison_desk.ui.reports`.
"""
