/**
 * How a VM test judges a client split (answers per server, with failed requests counted as
 * `error:<curl's exit status>`) against the split the lab should give.
 *
 * On guests under TCG, a request through the VIP now and then stalls past curl's 5 s and times
 * out (curl's exit 28): about once a run of vm-ha, in some batch of 20 requests. Such a request
 * is missing from one server's share. A refused or reset request (a server that should be out of
 * the table, a closed port) never passes, nor does a second timeout, an answer from a server
 * not in the split, or a share above what that server should have got.
 */

/** The timed-out requests in a split: curl's exit 28. */
export const TIMED_OUT = "error:28";

/**
 * Whether `split` is `expected`, allowing one timed-out request (missing from one server's
 * share) and, with `shift`, shares off by up to that many in either direction with the same
 * total (right after a server rejoins or keepalived reloads, round-robin may start a round
 * twice at one server: 9/11 seen).
 * @param split what the client saw: answers per server name, failures as `error:<exit status>`.
 * @param expected the answers per server name the lab should give.
 * @param shift how far each share may be off, the total kept (0: exact).
 */
export function splitFits(split: Record<string, number>, expected: Record<string, number>, shift = 0): boolean {
    const timeouts = split[TIMED_OUT] ?? 0;
    const answers = Object.entries(split).filter(([name]) => name !== TIMED_OUT);
    if (timeouts > 1 || answers.some(([name]) => !(name in expected))) return false;
    const short = Object.entries(expected).map(([name, want]) => want - (split[name] ?? 0));
    const total = short.reduce((a, b) => a + b, 0);
    return total === timeouts && short.every((s) => s >= -shift && s <= shift + timeouts);
}
