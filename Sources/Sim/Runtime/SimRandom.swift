public import Core

/// The simulator's seeded random generator (xoshiro256**), split per component by name so that
/// adding draws in one component does not shift another's.
public final class SimRandom: RandomSource, RandomNumberGenerator, @unchecked Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator for `seed`, or for `seed` split by `label`.
    public init(seed: UInt64, label: String = "") {
        var x = seed ^ StableHash.fnv1a(label)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    public func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A child generator for a component.
    public func split(_ label: String) -> SimRandom { SimRandom(seed: next(), label: label) }

    /// A duration uniformly in `range` (whole milliseconds).
    public func duration(in range: ClosedRange<Duration>) -> Duration {
        .milliseconds(millis(in: range.wholeMilliseconds))
    }

    /// A whole number of milliseconds uniformly in `range`: the same draw as
    /// ``duration(in:)``, for a range converted once rather than at every draw (a `Duration` is
    /// 128 bits of attoseconds, and converting one divides).
    public func millis(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(UInt64(range.upperBound - range.lowerBound + 1)))
    }

    /// True with probability `p`.
    public func chance(_ p: Double) -> Bool {
        p > 0 && Double(next() >> 11) * 0x1.0p-53 < p
    }

}

extension ClosedRange<Duration> {
    /// The range in whole milliseconds (each bound rounded toward zero).
    public var wholeMilliseconds: ClosedRange<Int64> {
        lowerBound.wholeMilliseconds...upperBound.wholeMilliseconds
    }
}

extension ClosedRange<Int64> {
    /// A range of whole milliseconds as durations.
    var durations: ClosedRange<Duration> { .milliseconds(lowerBound)...(.milliseconds(upperBound)) }
}
