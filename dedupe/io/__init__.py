"""Reading articles from files and writing results: the pipeline's two ends."""

from .readers import ReadResult, Reject, read_articles
from .writers import write_rejects, write_results

__all__ = ["ReadResult", "Reject", "read_articles", "write_rejects", "write_results"]
