extension Array {
    /// Removes every element and keeps the storage, as `removeAll(keepingCapacity: true)` does,
    /// one element at a time from the end. For the short arrays the store and bus empty at every
    /// wake-up and poll (one or two elements), this is a few instructions each, where
    /// `removeAll(keepingCapacity:)` goes through the general `replaceSubrange`.
    @inline(__always)
    mutating func empty() {
        while !isEmpty { removeLast() }
    }
}
