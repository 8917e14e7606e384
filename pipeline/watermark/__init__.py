"""Keyed, statistically detectable watermarks for synthetic images and tables.

Both schemes share one test (:mod:`pipeline.watermark.detection`): the key draws a random sign
for each unit (an image block, a table cell), the data supply a weight per unit, and under the
null "not marked with this key" the signed sum is a Rademacher sum whose tail is bounded by
Hoeffding's inequality - a p-value that holds for any data, because the randomness is the key's.
"""
