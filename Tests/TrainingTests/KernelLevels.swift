// What the kernel tests share: each vector level this processor has, forced in turn, and a float
// array's bits (bit-for-bit comparisons: −0 and +0 differ, as do NaNs).
import Testing
import CKernels

func eachLevel(_ body: (Int32) -> Void) {
    defer { _ = lesson_kernel_level_force(Int32(LESSON_LEVEL_UNKNOWN)) }
    for level in Int32(LESSON_LEVEL_BASELINE)...lesson_kernel_level_available() {
        #expect(lesson_kernel_level_force(level) == 1)
        body(level)
    }
}

func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }
