#!/usr/bin/env bash
# Builds .build-fuzz/sisr-fuzz: the project's Swift modules that read files (SISRCore, SISREngine,
# SRModels, DatasetLoader, SISRTraining (which Baselines uses), Baselines) compiled again with
# libFuzzer coverage and AddressSanitizer (-sanitize=fuzzer,address), linked with the harnesses in
# Fuzz/Harnesses into one binary (SISR_FUZZ_TARGET picks the harness). The dependencies (swift-crypto,
# Yams, the C kernels) are not under test and are taken as built by the normal debug build, so run
# `swift build` first. See Fuzz/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
B=.build-fuzz
D=$(swift build --show-bin-path)
[ -d "$D/Crypto.build" ] || { echo "Fuzz/build.sh: run 'swift build' first (needs $D)" >&2; exit 2; }
SAN=-sanitize=fuzzer,address
crypto=.build/checkouts/swift-crypto/Sources
mkdir -p "$B/modules" "$B/objects"
common=(-g -Onone -enable-testing -swift-version 6 -package-name sisr -I "$B/modules" -I "$D/Modules"
        -I "$crypto/CCryptoBoringSSL/include" -I "$crypto/CCryptoBoringSSLShims/include" -I Sources/CSISRKernels/include)
for m in "$PWD"/Sources/C*/module.modulemap "$PWD/$crypto"/CCryptoBoringSSL/include/module.modulemap \
         "$PWD/$crypto"/CCryptoBoringSSLShims/include/module.modulemap "$D"/CSISRKernels.build/module.modulemap; do
  [ -f "$m" ] && common+=(-Xcc "-fmodule-map-file=$m")
done
for module in SISRCore SISREngine SRModels DatasetLoader SISRTraining Baselines; do
  echo "fuzz build: $module" >&2
  mapfile -t sources < <(find "Sources/$module" -name '*.swift' | sort)
  [ ${#sources[@]} -gt 0 ] || continue
  swiftc "$SAN" "${common[@]}" -parse-as-library -wmo -module-name "$module" -c "${sources[@]}" \
    -emit-module -emit-module-path "$B/modules/$module.swiftmodule" -o "$B/objects/$module.o"
done
deps=()
for t in Crypto CCryptoBoringSSL CCryptoBoringSSLShims CryptoBoringWrapper SwiftASN1 CSISRKernels Yams CYaml; do
  [ -d "$D/$t.build" ] && while IFS= read -r -d '' o; do deps+=("$o"); done < <(find "$D/$t.build" -name '*.o' -print0)
done
echo "fuzz build: harnesses" >&2
swiftc "$SAN" "${common[@]}" -parse-as-library Fuzz/Harnesses/*.swift "$B"/objects/*.o "${deps[@]}" \
  $(pkg-config --libs libpng libzstd openblas libarchive libturbojpeg) -lstdc++ -o "$B/sisr-fuzz"
echo "built $B/sisr-fuzz"
