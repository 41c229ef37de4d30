# Date-times the admin shows without a format of ours (the history page, read-only fields)
# name the site's time zone, so "9 a.m." is never read in the reader's own zone.
DATETIME_FORMAT = "N j, Y, P T"
