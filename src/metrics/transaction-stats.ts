/**
 * Transactions whose keys span slots: run as one MULTI ... EXEC per slot (`split`), or refused
 * with CROSSSLOT (`refused`: crossSlotTransactions `refuse`, or after WATCH). Process-wide
 * plain counters like `traffic`, read at scrape time.
 */
export const crossSlotTransactions = { split: 0, refused: 0 }
