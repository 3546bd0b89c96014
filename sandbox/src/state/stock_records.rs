//! The stocks the state holds, as the handle adds, reads and pauses them.

use super::SandboxState;
use crate::error::SandboxError;
use crate::stocks::{Stock, StockStatus};

impl SandboxState {
    /// Adds a stock or replaces the one with the same ID (its issued coupons stay).
    ///
    /// # Errors
    /// [`SandboxError::Config`] when the stock is invalid (see [`Stock`]'s field docs).
    pub fn upsert_stock(&self, mut stock: Stock) -> Result<(), SandboxError> {
        stock.resolve(&self.mchid, self.now())?;
        self.lock().stocks.insert(stock.stock_id.clone(), stock);
        Ok(())
    }

    /// A stock as it is now (with its `distributed_coupons`).
    pub fn stock(&self, stock_id: &str) -> Option<Stock> {
        self.lock().stocks.get(stock_id).cloned()
    }

    /// All stocks, by ID.
    pub fn stocks(&self) -> Vec<Stock> {
        self.lock().stocks.values().cloned().collect()
    }

    /// Changes a stock's status (pause, restart, stop).
    ///
    /// # Errors
    /// [`SandboxError::NotFound`] for an unknown stock.
    pub fn set_stock_status(
        &self,
        stock_id: &str,
        status: StockStatus,
    ) -> Result<(), SandboxError> {
        match self.lock().stocks.get_mut(stock_id) {
            Some(stock) => {
                stock.status = status;
                Ok(())
            }
            None => Err(SandboxError::NotFound(format!("stock {stock_id}"))),
        }
    }

    /// How many coupons of a stock have been issued (`None` for an unknown stock).
    pub fn issued_count(&self, stock_id: &str) -> Option<u64> {
        self.lock()
            .stocks
            .get(stock_id)
            .map(|s| s.distributed_coupons)
    }
}
