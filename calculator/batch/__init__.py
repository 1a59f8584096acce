"""The HR batch check: a staff list of learning records in, one result row per person out.

    csv_io    a CSV file's bytes as text and rows, and the result CSV written the way Excel reads it
    people    the rows read into people: columns, cell values, bad rows by their row number
    check     each person evaluated by the engine's rules; the report, its CSV lines and its summary
    parallel  a big file cut between people and checked in several processes

Standard library only (the browser runs it too). Data flows one way: csv_io → people → check → parallel.
"""
