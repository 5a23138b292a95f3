// The C math library's exp/log under names that do not clash with the generic protocol requirements.
// glibc's functions are the same ones numpy's scalar paths call, which keeps results close to numpy's.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable @inline(__always) public func cExp(_ x: Double) -> Double { exp(x) }
@inlinable @inline(__always) public func cLog(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) public func cExpf(_ x: Float) -> Float { expf(x) }
@inlinable @inline(__always) public func cLogf(_ x: Float) -> Float { logf(x) }
