import Foundation

/// The demo world's seeded pseudo-random source: SplitMix64 (Steele, Lea and Flood 2014), with the few
/// distributions the world needs written out here rather than taken from the standard library, whose
/// `random(in:using:)` algorithms are not promised to stay the same across toolchains. The same seed gives the same
/// sequence on every platform with IEEE-754 doubles.
public struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// An independent stream for one part of the world (a firm, a plan), derived from the world seed and a salt.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = DemoRandom(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ 0x5DEE_CE66_D1CE_4E5B)
        state = mixer.next() ^ mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// A whole number in the closed range (`range.count` is small, so the modulo bias is negligible).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One element, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// One element, with probability proportional to its weight.
    public mutating func pick<T>(weighted items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var target = unit() * total
        for (item, weight) in items {
            if target < weight { return item }
            target -= weight
        }
        return items[items.count - 1].0
    }

    /// `count` distinct elements, with probability proportional to weight, in the order drawn.
    public mutating func sample<T>(weighted items: [(T, Double)], count: Int) -> [T] {
        var left = items
        var chosen: [T] = []
        while chosen.count < count, !left.isEmpty {
            let total = left.reduce(0) { $0 + $1.1 }
            var target = unit() * total
            var index = left.count - 1
            for (i, entry) in left.enumerated() {
                if target < entry.1 {
                    index = i
                    break
                }
                target -= entry.1
            }
            chosen.append(left.remove(at: index).0)
        }
        return chosen
    }

    /// Fisher–Yates shuffle.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(0...i))
        }
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = 1 - unit()
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Log-normal with the given median and log-scale standard deviation.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }

    /// Gamma with the given shape and mean (Marsaglia–Tsang; shape < 1 by the boost U^(1/shape)).
    public mutating func gamma(shape: Double, mean: Double) -> Double {
        let scale = mean / shape
        if shape < 1 {
            return gamma(shape: shape + 1, mean: (shape + 1) * scale) * pow(unit(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }

    /// Poisson (Knuth's product method below 30, a rounded normal approximation above).
    public mutating func poisson(_ lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda >= 30 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let limit = exp(-lambda)
        var product = unit()
        var count = 0
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }

    /// Negative binomial as a gamma–Poisson mixture: mean `mean`, variance `mean + mean² / dispersion`.
    public mutating func negativeBinomial(mean: Double, dispersion: Double) -> Int {
        guard mean > 0 else { return 0 }
        return poisson(gamma(shape: dispersion, mean: mean))
    }
}
