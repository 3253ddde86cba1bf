/**
 * Cross-slot blocking pops (exec/cross-slot-pop.ts): elements a losing wait took and put back
 * at the head of their key (`returned`), elements found in a staging list after a wait's
 * connection dropped and put back (`recovered`), and sorted-set elements a wait popped before
 * its connection dropped, which no proxy can give back (`lost_with_link`; a single node loses
 * them the same way when a client's connection drops). Process-wide, like `traffic`.
 */
export const popStats = { returned: 0, recovered: 0, lostWithLink: 0 }
