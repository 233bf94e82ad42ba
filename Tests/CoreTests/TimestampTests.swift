import Core
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Duration.microseconds(1500), Int64(1)),
        (.microseconds(-1500), -1),
        (.nanoseconds(999_999), 0),
        (.seconds(9), 9000),
        // Past 2^63 attoseconds (about 9.2 s) the 128-bit path takes over.
        (.milliseconds(9224) + .microseconds(1), 9224),
        (.seconds(-30) - .microseconds(400), -30000),
        (.milliseconds(Int64.max / 4), Int64.max / 4),
    ])
    func wholeMillisecondsRoundsTowardZero(duration: Duration, millis: Int64) {
        #expect(duration.wholeMilliseconds == millis)
        #expect((Timestamp.zero + duration).millis == millis)
    }
}
