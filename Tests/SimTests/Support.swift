import Core
import Crypto

func sha256Hex(_ bytes: [UInt8]) -> String {
    Array(SHA256.hash(data: bytes)).hexString
}
