#!/usr/bin/env bash
# The seed's VGG16-TB recipe at the notebook's scale (512x512 images, 4 augmented views cached per training image,
# batch 16, the seed protocol), Zoo and Keras 3 on TensorFlow side by side in one `zoo bench --peer keras` run on
# the same synthetic images, then each engine's time for the notebook's 100 epochs from what was measured:
#
#   Zoo:   feature caching (computed, the cache starts empty) + the rest of its run + 100 x its mean epoch time
#   Keras: the rest of its run (wall - epochs x mean epoch) + 100 x its mean epoch time (end to end, as the notebook)
#
# Caching (images x views) and every epoch (images / batch size) grow with the training images, so the table also
# scales those to the notebook's 721 training images; the rest (model, weights, scoring) is left as measured.
# Accuracy after a few epochs on synthetic images means nothing; this measures time only.
#
# Usage: ZOO_PYTHON=... ZOO_GOLDEN=... ZOO_GOLDEN_ACTIVATIONS=... Benchmarks/notebook_scale.sh
#            [--images 160] [--epochs 2] [--out Benchmarks/results/notebook-scale]
#   make notebook-scale sets the environment. About 15 minutes with the defaults on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
for variable in ZOO_PYTHON ZOO_GOLDEN ZOO_GOLDEN_ACTIVATIONS; do
    if [[ -z "${!variable:-}" ]]; then
        echo "notebook_scale.sh: $variable is not set: run \`make notebook-scale\`" >&2
        exit 1
    fi
done

images=160 epochs=2 out=Benchmarks/results/notebook-scale
while [[ $# -gt 0 ]]; do
    case "$1" in
        --images|--epochs|--out)
            [[ $# -ge 2 ]] || { echo "notebook_scale.sh: $1 needs a value" >&2; exit 2; }
            declare "${1#--}=$2"; shift 2 ;;
        *) echo "notebook_scale.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done

rm -rf "$out"
mkdir -p "$out"
# The recipe as the notebook ran it, for a few epochs and without the fine-tuning phase (the notebook never ran one).
"$ZOO_PYTHON" - "$epochs" "$out/vgg16-tb-notebook-scale.json" <<'EOF'
import json, sys
recipe = json.load(open("Benchmarks/recipes/vgg16-tb.json"))
recipe["name"] = "vgg16-tb-notebook-scale"
recipe["summary"] = f"vgg16-tb for {sys.argv[1]} epoch(s), head phase only: timing at the notebook's scale"
recipe["training"]["epochs"] = int(sys.argv[1])
recipe.pop("fine_tune", None)
json.dump(recipe, open(sys.argv[2], "w"), indent=2)
EOF

.build/release/zoo bench --recipes "$out/vgg16-tb-notebook-scale.json" --protocol seed --peer keras \
    --synthetic-images "$images" --out "$out/run" --feature-cache "$out/run/features" --quiet

"$ZOO_PYTHON" - "$out" "$epochs" "$images" <<'EOF'
import json, sys
out, epochs, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {r["engine"]: r for r in map(json.loads, open(f"{out}/run/results.jsonl"))}
zoo, keras = runs["zoo"], runs["keras"]
test = len(zoo["test"]["scores"])
train = images - test   # the seed protocol cuts the synthetic set 721/79 into its Train and Test folders
scale = 721 / train
zoo_caching = zoo["timing"].get("featureCachingSeconds") or 0
zoo_epoch, keras_epoch = zoo["timing"]["meanEpochSeconds"], keras["timing"]["meanEpochSeconds"]
# What neither epochs nor caching explain: building the model, loading weights, scoring the test images.
zoo_other = zoo["timing"]["wallSeconds"] - zoo_caching - epochs * zoo_epoch
keras_other = keras["timing"]["wallSeconds"] - epochs * keras_epoch
cpu = f'{zoo["provenance"]["cpuModel"]} [{", ".join(zoo["provenance"]["vectorExtensions"])}]'
rows = [
    ("measured: wall time of the run", zoo["timing"]["wallSeconds"], keras["timing"]["wallSeconds"]),
    ("measured: feature caching", zoo_caching, None),
    ("measured: model, weights, test scoring", zoo_other, keras_other),
    ("measured: mean epoch", zoo_epoch, keras_epoch),
    (f"100 epochs, {train} training images (projected)", zoo_caching + zoo_other + 100 * zoo_epoch, keras_other + 100 * keras_epoch),
    ("100 epochs, the notebook's 721 training images (scaled)", scale * zoo_caching + zoo_other + 100 * scale * zoo_epoch,
     keras_other + 100 * scale * keras_epoch),
]
def clock(seconds):
    if seconds is None:
        return "—"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.2f} h"


def ratio(zoo_seconds, keras_seconds):
    return f"{keras_seconds / zoo_seconds:.1f}x" if zoo_seconds and keras_seconds is not None else "—"
lines = [
    "# VGG16-TB at the notebook's scale: Zoo vs Keras",
    "",
    f"`Benchmarks/notebook_scale.sh --images {train + test} --epochs {epochs}` on {cpu}, commit {zoo['provenance']['zooCommit']}.",
    f"The seed protocol on {train} training and {test} test images of a synthetic TB set at 512x512, batch 16: Zoo on "
    "cached VGG16 features (each training image and 4 augmented views computed once; the cache started empty), "
    "Keras 3 on TensorFlow end to end with fresh augmentation every epoch, as the notebook ran. Both in one "
    f"`zoo bench --peer keras` run, {epochs} epoch(s) each, projected to the notebook's 100 epochs "
    "(caching + the rest + 100 x mean epoch) and scaled to its 721 training images (caching and epochs grow with the "
    "training images; the rest, including scoring the test images, is left as measured). Zoo's time starts after its "
    "one-off conversion and parity check of the base (once per suite); Keras' includes loading the checkpoint, not "
    "importing TensorFlow. An epoch includes its validation pass (1 batch here, 4 in the notebook).",
    "",
    "| | Zoo | Keras | Keras / Zoo |",
    "|---|---|---|---|",
] + [f"| {name} | {clock(z)} | {clock(k)} | {ratio(z, k)} |" for name, z, k in rows] + [
    "",
    "Time only: accuracy after a few epochs on synthetic images proves nothing (the run's report.html has it). The "
    "bank of augmented views departs from the notebook's fresh augmentation; docs/feature-cache.md says how.",
]
open(f"{out}/notebook-scale.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
echo "notebook_scale.sh: wrote $out/notebook-scale.md" >&2
