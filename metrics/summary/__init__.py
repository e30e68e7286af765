"""The leadership summary of a PI (issue 16, part 5): one page, also as a PDF."""
