// Hands a target's "one input" function to libFuzzer's driver with the process's arguments,
// so each fuzz target's main.swift is the function that judges an input plus one call.
import CFuzzer
import Glibc

public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// The input as Swift bytes (libFuzzer may pass a null pointer for the empty input).
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return [UInt8](UnsafeBufferPointer(start: data, count: size))
}

public func runFuzzer(_ body: FuzzInput) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}
