//! A source text with a line index for the text report's code frames: each frame reads only
//! the lines around its span, so a report of many findings in one large file is linear in the
//! file size plus the number of findings (miette's own `str` source scans from the start of the
//! text for every frame).

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A file's text and the byte offset of each line start.
#[derive(Clone, Debug)]
pub struct IndexedSource {
    text: Arc<str>,
    starts: Arc<Vec<usize>>,
}

impl IndexedSource {
    pub fn new(text: Arc<str>) -> IndexedSource {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        IndexedSource {
            text,
            starts: Arc::new(starts),
        }
    }

    /// 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte span of the token at 1-based `line`/`column` (column counted in characters): from
    /// the column to the end of the token (or of the line); as `text::span_at`, in O(line).
    pub fn span_at(&self, line: u32, column: u32) -> Option<SourceSpan> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        if start > self.text.len() || (start == self.text.len() && i > 0) {
            return None;
        }
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        let l = &self.text[start..end];
        let body = l.trim_end_matches(['\n', '\r']);
        let col_byte = body
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(body.len(), |(b, _)| b);
        let rest = &body[col_byte..];
        let len = rest.trim_end().len().max(usize::from(!rest.is_empty()));
        Some(SourceSpan::new((start + col_byte).into(), len))
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let first = self.line_of(span.offset()).saturating_sub(before + 1);
        let last = self.line_of(span.offset() + span.len()) + after + 2;
        let lo = self.starts[first];
        let hi = self
            .starts
            .get(last)
            .copied()
            .unwrap_or(self.text.len())
            .min(self.text.len());
        let window = &self.text.as_bytes()[lo..hi];
        let inner_span = SourceSpan::new((span.offset() - lo).into(), span.len());
        let c = window.read_span(&inner_span, before, after)?;
        let (data, sp, line, column, count) =
            (c.data(), *c.span(), c.line(), c.column(), c.line_count());
        Ok(Box::new(MietteSpanContents::new(
            data,
            SourceSpan::new((sp.offset() + lo).into(), sp.len()),
            line + first,
            column,
            count,
        )))
    }
}
