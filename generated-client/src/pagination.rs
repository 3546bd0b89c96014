//! Walking every page of an operation whose spec declares pagination.

use futures_core::Stream;
use futures_util::stream;

use crate::call::Call;
use crate::error::Error;
use crate::operation::Operation;

/// How an operation's `offset` parameter counts, as its spec declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// `offset` is a page number: 0, 1, 2, ...
    PageIndex,
    /// `offset` is the index of the first item: 0, limit, 2 × limit, ...
    ItemOffset,
}

/// One page of a paginated response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The total number of items across all pages, when the response says.
    pub total: Option<u64>,
    /// The page size the server applied, when the response says.
    pub limit: Option<u64>,
}

impl<T> Page<T> {
    /// A page of `items`, with the total and page size the response states.
    pub fn new(items: Vec<T>, total: Option<u64>, limit: Option<u64>) -> Self {
        Page {
            items,
            total,
            limit,
        }
    }
}

/// Implemented by generated operations whose spec declares pagination.
pub trait Paginated: Operation + Clone {
    /// One item of a page.
    type Item: Send;

    /// How `offset` counts.
    const STYLE: PageStyle;

    /// The `offset` this request asks for (0 when unset).
    fn offset(&self) -> u64;

    /// The `limit` this request asks for, when set.
    fn limit(&self) -> Option<u64>;

    /// The same request for another `offset`.
    fn with_offset(&self, offset: u64) -> Self;

    /// Splits a response into its items, total and page size.
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

struct Cursor<'a, O: Paginated> {
    call: Call<'a, O>,
    seen: u64,
    buffered: std::vec::IntoIter<<O as Paginated>::Item>,
    done: bool,
}

impl<'a, O: Paginated + 'a> Call<'a, O>
where
    O::Item: 'a,
{
    /// Fetches one page at a time and yields every item across all pages, in order.
    ///
    /// Stops after the page that reaches `total_count`, or at an empty or short page. Each page is
    /// an ordinary call: verified, retried by the same policy. The first error ends the stream.
    pub fn items(self) -> impl Stream<Item = Result<O::Item, Error>> + Send + 'a {
        // Items before the first requested page count towards `total_count` too.
        let offset = self.operation.offset();
        let skipped = match O::STYLE {
            PageStyle::PageIndex => offset.saturating_mul(self.operation.limit().unwrap_or(0)),
            PageStyle::ItemOffset => offset,
        };
        let cursor = Cursor {
            call: self,
            seen: skipped,
            buffered: Vec::new().into_iter(),
            done: false,
        };
        stream::unfold(cursor, |mut cursor| async move {
            loop {
                if let Some(item) = cursor.buffered.next() {
                    return Some((Ok(item), cursor));
                }
                if cursor.done {
                    return None;
                }
                let page = match fetch(&cursor.call).await {
                    Ok(page) => page,
                    Err(err) => {
                        cursor.done = true;
                        return Some((Err(err), cursor));
                    }
                };
                let count = page.items.len() as u64;
                cursor.seen += count;
                let page_size = cursor.call.operation.limit().or(page.limit);
                let reached_total = page.total.is_some_and(|total| cursor.seen >= total);
                let short = page_size.is_some_and(|size| count < size);
                cursor.done = count == 0 || reached_total || short;
                if !cursor.done {
                    let current = cursor.call.operation.offset();
                    let next = match O::STYLE {
                        PageStyle::PageIndex => current + 1,
                        PageStyle::ItemOffset => current + count,
                    };
                    cursor.call.operation = cursor.call.operation.with_offset(next);
                }
                cursor.buffered = page.items.into_iter();
            }
        })
    }
}

async fn fetch<O: Paginated>(call: &Call<'_, O>) -> Result<Page<O::Item>, Error> {
    let request = call.operation.build()?;
    let response = call
        .client
        .send(&O::META, O::META.path_template, request, &call.options)
        .await?;
    O::decode(&response.body, response.request_id).map(O::into_page)
}
