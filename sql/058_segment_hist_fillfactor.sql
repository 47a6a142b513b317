-- segment_hist (sql/050) is a table of counters that every ingest batch adds to (about 350-800
-- cells a batch of 1,000 scans). Its pages were filled to 100 %, so an updated cell's new
-- version seldom fit on its page: 1-14 % of the updates were HOT, each other one added an entry
-- to the primary key and left the index and heap bloated until vacuum. Fill factor 70 leaves
-- room on pages written from now on (existing pages get it as vacuum frees their dead
-- versions): 71-94 % HOT, the transit model's write 13-20 % less backend CPU (docs/benchmarks.md).
ALTER TABLE segment_hist SET (fillfactor = 70);
