import Foundation

/// Bearers authenticated in the last few seconds, keyed by the SHA-256 of their secret, so that most API requests
/// skip the token lookup in the database.
///
/// The staleness is bounded: an entry is used for at most `ttl` after the database last confirmed the token, so a
/// token revoked (or given an earlier expiry) in the database is refused at most `ttl` later; an expiry recorded on
/// the token when it was looked up is honoured exactly. Only valid tokens are remembered: an unknown, revoked or
/// expired secret always goes to the database, so a newly issued token works at once. A `ttl` of zero turns the
/// cache off. The cache holds hashes, never secrets, and is bounded to `capacity` entries.
public final class TokenCache: @unchecked Sendable {
    struct Entry {
        let bearer: TokenStore.Bearer
        let checkedAt: Date
    }

    /// How long a confirmed token is trusted without asking the database again.
    public let ttl: Duration
    /// The most entries kept; when full, expired entries are dropped, and if none are, everything.
    public let capacity: Int
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var entries: [[UInt8]: Entry] = [:]

    /// - Parameters:
    ///   - ttl: how long a confirmed token is trusted (zero: no caching).
    ///   - now: the clock; injected so tests move time instead of sleeping.
    public init(ttl: Duration, capacity: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ttl = ttl
        self.capacity = capacity
        self.now = now
    }

    private var ttlSeconds: Double {
        Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
    }

    /// The bearer for a secret's SHA-256 when the database confirmed it less than `ttl` ago and it has not expired.
    public func bearer(forSHA256 digest: [UInt8]) -> TokenStore.Bearer? {
        guard ttl > .zero else { return nil }
        let now = now()
        return lock.withLock {
            guard let entry = entries[digest] else { return nil }
            // A clock that went backwards also invalidates the entry, so an entry never lives longer than `ttl`.
            let age = now.timeIntervalSince(entry.checkedAt)
            guard age >= 0, age < ttlSeconds, entry.bearer.expiresAt.map({ now < $0 }) ?? true else {
                entries[digest] = nil
                return nil
            }
            return entry.bearer
        }
    }

    /// Remembers a bearer the database has just confirmed.
    public func remember(_ bearer: TokenStore.Bearer, forSHA256 digest: [UInt8]) {
        guard ttl > .zero else { return }
        let now = now()
        let limit = ttlSeconds
        lock.withLock {
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.checkedAt) < limit }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = Entry(bearer: bearer, checkedAt: now)
        }
    }
}
