package io.sparkcnn.config;

import java.util.List;
import java.util.Map;

/**
 * Every configuration key of spark-cnn, in the order {@code conf/reference.conf} documents them.
 * Adding a key here adds it to the reference file (regenerate it with
 * {@code scripts/spark-cnn config reference > conf/reference.conf}; a test fails while they differ).
 */
public final class Settings {
    private Settings() {
    }

    public static final Setting<Long> SEED = Setting.longValue("seed", 42L,
            "Master seed. Every random stream (held-out split, shuffles, weight init, per-worker streams) "
                    + "is derived from it, so two runs with the same seed and data are identical.")
            .in(j -> j.seed());

    public static final Setting<String> DATA_TRAIN = Setting.string("data.train", "",
            "The training lake, as a URI on any Hadoop FileSystem (file://, hdfs://, s3a://; a plain path is "
                    + "local). Either a folder laid out as <root>/<label>/.../<image> or a manifest "
                    + "(.csv with a header, or .parquet; a file or a folder of part files) with columns path,label; "
                    + "relative manifest paths are "
                    + "resolved against the manifest's folder.")
            .in(j -> j.data().train());
    public static final Setting<String> DATA_HELD_OUT = Setting.string("data.heldOut", "",
            "An explicit held-out lake (folder or manifest, as data.train). Empty: hold out "
                    + "data.heldOutFraction of data.train instead.")
            .in(j -> j.data().heldOut());
    public static final Setting<Double> DATA_HELD_OUT_FRACTION = Setting.fraction("data.heldOutFraction", 0.1,
            0.0, 1.0, true,
            "Fraction of data.train held out when data.heldOut is empty (then it must be above 0: every model "
                    + "is evaluated on held-out images). The split hashes each file's path relative to the lake "
                    + "root with the seed, so adding files never moves an old file across the split.")
            .in(j -> j.data().heldOutFraction());
    public static final Setting<String> DATA_FORMAT = Setting.choice("data.format", LakeFormat.AUTO,
            "How to read data.train and data.heldOut. auto: a path ending in .csv or .parquet is a "
                    + "manifest, anything else a folder lake.")
            .in(j -> j.data().format().configName());
    public static final Setting<List<String>> DATA_EXTENSIONS = Setting.stringList("data.extensions",
            List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp"),
            v -> !v.isEmpty() && v.stream().allMatch(s -> s.matches("[A-Za-z0-9]+")),
            "a non-empty list of extensions without dots",
            "Image file extensions (case-insensitive) in a folder lake. Other files under a label folder "
                    + "are bad files (see data.badFiles); files whose names start with . or _ are ignored, "
                    + "as Spark does.")
            .in(j -> j.data().extensions());
    public static final Setting<Integer> DATA_PARTITIONS = Setting.integer("data.partitions", 0, 0,
            Integer.MAX_VALUE,
            "Partitions of the image RDDs. 0: Spark's default parallelism.")
            .in(j -> j.data().partitions());

    public static final Setting<String> DATA_CACHE_STORAGE = Setting.choice("data.cache.storage", CacheStorage.MEMORY,
            "Where each worker keeps its decoded partition between rounds, in Spark's block store: memory "
                    + "(as Java arrays, fastest), serialised (one byte array per partition: less heap, a copy "
                    + "per round), disk (executors' local disk only), encoded (the files' own bytes, decoded again "
                    + "each time an image is used, on a thread of its own while the previous minibatch trains: "
                    + "for photo lakes, whose JPEGs are a tenth of their decoded size or less). memory, serialised "
                    + "and encoded spill to local disk beyond Spark's storage memory (spark.executor.memory x "
                    + "spark.memory.fraction).")
            .in(j -> j.data().cacheStorage().configName()).runOnly();
    public static final Setting<String> DATA_CACHE_MAX_BYTES = Setting.byteSize("data.cache.maxBytes", "16g",
            "The most the decoded copy of the lake (training and held-out splits, all workers, memory and "
                    + "local disk together) may take, e.g. 512m, 16g. Pixels are kept as 8-bit values where "
                    + "that is exact (8-bit images, no resampling), else as 32-bit floats. A job whose lake "
                    + "would not fit fails before training, naming the size it needs.")
            .in(j -> j.data().cacheMaxBytes()).runOnly();

    public static final Setting<Integer> IMAGE_HEIGHT = Setting.integer("data.image.height", 28, 1, 8192,
            "Height in pixels of the tensors fed to the network.")
            .in(j -> j.data().image().height());
    public static final Setting<Integer> IMAGE_WIDTH = Setting.integer("data.image.width", 28, 1, 8192,
            "Width in pixels of the tensors fed to the network.")
            .in(j -> j.data().image().width());
    public static final Setting<Integer> IMAGE_CHANNELS = Setting.integerOneOf("data.image.channels", 1,
            List.of(1, 3),
            "Channels of the tensors: 1 (grey; colour images are converted with ITU-R BT.601 luma) or "
                    + "3 (RGB; grey images are replicated, alpha is dropped).")
            .in(j -> j.data().image().channels());
    public static final Setting<String> IMAGE_RESIZE = Setting.choice("data.image.resize", ResizePolicy.ERROR,
            "An image whose size differs from height x width: error treats it as a bad file, resize "
                    + "scales it (bilinear, aspect ratio not kept), centre-crop scales the short side to fit "
                    + "and crops the centre.")
            .in(j -> j.data().image().resize().configName());
    public static final Setting<Long> IMAGE_MAX_PIXELS = Setting.longAtLeast("data.image.maxPixels", 50_000_000L, 1,
            "The most pixels (width x height) an image may declare in its header. A larger one is a bad file, "
                    + "refused before any decoding: an image is decoded whole, at 3 to 8 bytes of heap per pixel, "
                    + "so a small file declaring a huge size (a decompression bomb) would otherwise exhaust "
                    + "the task's memory.")
            .in(j -> j.data().image().maxPixels());
    public static final Setting<String> IMAGE_NORMALISATION = Setting.choice("data.image.normalisation",
            NormalisationKind.UNIT,
            "unit: pixel / max value, in [0, 1]. standardise: then subtract the per-channel mean and divide "
                    + "by the per-channel standard deviation, both computed on the training split and saved "
                    + "with the model for inference.")
            .in(j -> j.data().image().normalisation().configName());

    public static final Setting<String> BAD_FILES_POLICY = Setting.choice("data.badFiles.policy", BadFilePolicy.FAIL,
            "What a bad file (empty, truncated, not an image, unreadable, wrong extension, wrong size under "
                    + "resize = error) or an empty label folder does. fail: stop with its path and the "
                    + "reason. skip: count it, list it in the log and in the bad-files report, and go on "
                    + "unless data.badFiles.maxFraction is exceeded.")
            .in(j -> j.data().badFiles().policy().configName());
    public static final Setting<Double> BAD_FILES_MAX_FRACTION = Setting.fraction("data.badFiles.maxFraction",
            0.01, 0.0, 1.0, false,
            "Under policy skip: the largest fraction of bad files (bad / all files seen) that is tolerated.")
            .in(j -> j.data().badFiles().maxFraction());
    public static final Setting<Integer> BAD_FILES_LIST_LIMIT = Setting.integer("data.badFiles.listLimit", 20, 0,
            Integer.MAX_VALUE,
            "How many bad files (path and reason) the log lists; the report file lists every one.")
            .in(j -> j.data().badFiles().listLimit()).runOnly();
    public static final Setting<String> BAD_FILES_DUPLICATES = Setting.choice("data.badFiles.duplicates",
            DuplicatePolicy.ERROR,
            "A manifest that lists one file more than once (twice under one label, or under two). error: stop "
                    + "before training, naming the rows. first: keep the manifest's first row for the file, and "
                    + "count and log the others.")
            .in(j -> j.data().badFiles().duplicates().configName());
    public static final Setting<String> AUGMENT_FLIP = Setting.choice("data.augment.flip", "false",
            List.of("true", "false"),
            "Training augmentation (on the executors, never for evaluation; every draw derives from the seed, the "
                    + "epoch and the image's path, so a retried task or a resumed run sees what the undisturbed "
                    + "run saw): true mirrors each training image left to right with probability 1/2.")
            .in(j -> String.valueOf(j.data().augment().flip()));
    public static final Setting<Double> AUGMENT_CROP_SCALE = Setting.fraction("data.augment.cropScale", 1.0, 0.01,
            1.0, false,
            "Random-resized crop: a window of a random share of the image's area, drawn from [cropScale, 1], "
                    + "and a random aspect ratio in [3/4, 4/3], scaled back to the input size (bilinear). The "
                    + "window is taken from the decoded image at the input size. 1: off; 0.08 is ImageNet's.")
            .in(j -> j.data().augment().cropScale());
    public static final Setting<Integer> AUGMENT_PAD_CROP = Setting.integer("data.augment.padCrop", 0, 0, 64,
            "Pad-and-crop: pad the image with this many black pixels on every side and cut a random window of "
                    + "the input size from it (4 for 32x32 inputs is the CIFAR custom). 0: off.")
            .in(j -> j.data().augment().padCrop());
    public static final Setting<Double> AUGMENT_BRIGHTNESS = Setting.fraction("data.augment.brightness", 0.0, 0.0,
            1.0, true,
            "Brightness jitter: pixels times a factor drawn from [1 - brightness, 1 + brightness], clamped to "
                    + "[0, 1]. 0: off.")
            .in(j -> j.data().augment().brightness());
    public static final Setting<Double> AUGMENT_CONTRAST = Setting.fraction("data.augment.contrast", 0.0, 0.0,
            1.0, true,
            "Contrast jitter: each channel's distance from the image's mean times a factor drawn from "
                    + "[1 - contrast, 1 + contrast], clamped to [0, 1]. 0: off.")
            .in(j -> j.data().augment().contrast());

    public static final Setting<String> MODEL_ARCHITECTURE = Setting.architecture("model.architecture", Architecture.SEED_CNN,
            "The network. seed-cnn: conv 32 3x3 ReLU, max-pool 2x2, dense softmax (0.5 MFLOP forward at "
                    + "28x28). lenet: LeNet-5 (LeCun et al. 1998) with ReLU and max-pooling. deep-cnn: three "
                    + "conv blocks (32, 64, 128 filters; conv, batch normalisation, ReLU, max-pool), then dropout 0.5 "
                    + "and a dense layer. resnet: a small residual net (He et al. 2016): a conv stem, two residual "
                    + "blocks (16 and 32 filters, batch normalisation and ReLU, the second with a 1x1 projection "
                    + "shortcut), global average pooling. resnet18, resnet34, resnet50 (bottleneck blocks) and "
                    + "mobilenet-v2 (inverted residuals, depthwise convolutions): as in their papers (He et al. 2016, "
                    + "Sandler et al. 2018), with the ImageNet stem for inputs of 128 pixels and more and a "
                    + "stride-1 3x3 stem below. Input shape and class count come from the lake. file:<path>: a DL4J network "
                    + "configuration (MultiLayerConfiguration or ComputationGraphConfiguration JSON) you wrote, read "
                    + "and checked before Spark starts; its output layer must have one output per class, and its own "
                    + "updater, seed and initialisation are used (train.* optimiser keys do not apply).")
            .in(j -> j.train().architectureName());
    public static final Setting<String> MODEL_STEM = Setting.choice("model.stem", Stem.AUTO,
            "The first layers of resnet18/34/50 and mobilenet-v2. auto: the ImageNet stem for inputs of 128 pixels "
                    + "and more, the small-image stem below. imagenet: a stride-2 convolution (ResNet: 7x7, then a "
                    + "stride-2 3x3 max pooling; MobileNetV2: 3x3), so the first stage sees a quarter of the input's "
                    + "side (MobileNetV2: half). small: a stride-1 3x3 convolution and no pooling, as for CIFAR: "
                    + "keeps small images' detail at up to 16 times the work per image. Other networks ignore it.")
            .in(j -> j.train().stem().configName());
    public static final Setting<String> MODEL_INIT = Setting.string("model.init", "",
            "Fine-tuning: start from a trained network instead of a fresh model.architecture. A spark-cnn model "
                    + "folder (any Hadoop file system), champion (registry.dir's champion of registry.model), or a "
                    + "DL4J model zip (ModelSerializer, e.g. a network pretrained elsewhere). Its output layer is "
                    + "replaced when the lake's classes differ, keeping the weights of the classes both have (by "
                    + "name; a DL4J zip names none); train.* sets the optimiser. Empty: a fresh network.")
            .in(j -> j.fineTune().init());
    public static final Setting<String> MODEL_FREEZE = Setting.string("model.freeze", "",
            "With model.init: the name of a layer; it and every layer before it keep their weights (feature "
                    + "extraction). In a layer stack a layer's name is its index (0, 1, ...); a graph's layers have "
                    + "names (an error lists them). Empty: every layer trains.")
            .in(j -> j.fineTune().freeze());
    public static final Setting<String> TRAIN_UPDATER = Setting.choice("train.updater", UpdaterKind.ADAM,
            "The optimiser: adam (Kingma and Ba 2015, beta1 0.9, beta2 0.999), plain sgd, or sgd with "
                    + "nesterov momentum (train.momentum).")
            .in(j -> j.train().optimiser().updater().configName());
    public static final Setting<Double> TRAIN_LEARNING_RATE = Setting.positive("train.learningRate", 1e-3, 10,
            "Learning rate; 1e-3 is Adam's documented default.")
            .in(j -> j.train().optimiser().learningRate());
    public static final Setting<Double> TRAIN_MOMENTUM = Setting.fraction("train.momentum", 0.9, 0.0, 1.0, true,
            "Momentum of the nesterov updater.")
            .in(j -> j.train().optimiser().momentum());
    public static final Setting<String> TRAIN_LEARNING_RATE_SCHEDULE = Setting.choice("train.learningRateSchedule",
            LearningRateSchedule.CONSTANT,
            "How the learning rate changes per epoch e (counted from 0): constant; step: learningRate x "
                    + "learningRateDecay ^ floor(e / learningRateDecayEpochs); exponential: learningRate x "
                    + "learningRateDecay ^ e; linear: learningRate x (1 - e / epochs), down to "
                    + "learningRate / epochs in the last epoch; cosine: learningRate x (e + 1) / warmupEpochs over "
                    + "the train.warmupEpochs first epochs, then learningRate x (1 + cos(pi x (e - warmupEpochs) / "
                    + "(epochs - warmupEpochs))) / 2 (Loshchilov and Hutter 2017, one cycle). Every worker applies "
                    + "the same rate in a round.")
            .in(j -> j.train().optimiser().schedule().configName());
    public static final Setting<Double> TRAIN_LEARNING_RATE_DECAY = Setting.fraction("train.learningRateDecay", 0.5,
            0.0, 1.0, false,
            "The factor of the step and exponential schedules.")
            .in(j -> j.train().optimiser().decay());
    public static final Setting<Integer> TRAIN_LEARNING_RATE_DECAY_EPOCHS = Setting.integer(
            "train.learningRateDecayEpochs", 1, 1, 100_000,
            "Epochs between two steps of the step schedule.")
            .in(j -> j.train().optimiser().decayEpochs());
    public static final Setting<Integer> TRAIN_WARMUP_EPOCHS = Setting.integer("train.warmupEpochs", 0, 0, 100_000,
            "Epochs of linear warm-up of the cosine schedule; less than train.epochs.")
            .in(j -> j.train().optimiser().warmupEpochs());
    public static final Setting<Double> TRAIN_WEIGHT_DECAY = Setting.fraction("train.weightDecay", 0.0, 0.0, 1.0, true,
            "Decoupled weight decay (Loshchilov and Hutter, AdamW, 2019): after each update every weight w also "
                    + "loses learningRate x weightDecay x w, outside the gradient, so Adam's scaling does not weaken "
                    + "it; biases and batch norm's shift are not decayed. 0: none. Typical: 1e-4 to 5e-2.")
            .in(j -> j.train().optimiser().weightDecay());
    public static final Setting<Double> TRAIN_LABEL_SMOOTHING = Setting.fraction("train.labelSmoothing", 0.0, 0.0,
            0.5, true,
            "Label smoothing (Szegedy et al. 2016): a training image's target is 1 - labelSmoothing + labelSmoothing "
                    + "/ classes for its class and labelSmoothing / classes for the others. Held-out loss uses the "
                    + "true labels. 0: none; 0.1 is usual.")
            .in(j -> j.train().optimiser().labelSmoothing());
    public static final Setting<Integer> TRAIN_BATCH_SIZE_PER_WORKER = Setting.integer("train.batchSizePerWorker",
            32, 1, 1 << 16,
            "Images per minibatch on each worker.")
            .in(j -> j.train().batchSizePerWorker());

    public static final Setting<String> TRAIN_STRATEGY = Setting.choice("train.strategy", TrainingStrategy.AVERAGING,
            "How the work is spread over executors. averaging: spark-cnn's parameter averaging with cached "
                    + "decoded partitions and per-executor replicas. dl4j-stock: dl4j-spark's "
                    + "ParameterAveragingTrainingMaster (Export approach, the same averaging frequency), kept as "
                    + "the reference it is measured against.")
            .in(j -> j.train().strategy().configName());
    public static final Setting<Integer> TRAIN_EPOCHS = Setting.integer("train.epochs", 5, 1, 100_000,
            "Passes over the training split; every image is visited exactly once per epoch.")
            .in(j -> j.train().epochs());
    public static final Setting<Integer> TRAIN_WORKERS = Setting.integer("train.workers", 0, 0, 100_000,
            "Training replicas, one Spark task each. 0: Spark's default parallelism (the cores of local[N]) "
                    + "divided by train.threadsPerWorker.")
            .in(j -> j.train().workers());
    public static final Setting<Integer> TRAIN_THREADS_PER_WORKER = Setting.integer("train.threadsPerWorker", 1, 1,
            1024,
            "CPU threads (ND4J's OpenMP and BLAS threads) each training task uses; spark-cnn sets "
                    + "spark.task.cpus and spark.executorEnv.OMP_NUM_THREADS to the same number, so Spark never "
                    + "runs more tasks on an executor than it has cores for them. In local mode the tasks run in "
                    + "the driver JVM: start it with OMP_NUM_THREADS set to this number (ND4J reads it once). "
                    + "1 is fastest for small networks; raise it for large ones with few workers.")
            .in(j -> j.train().threadsPerWorker()).runOnly();
    public static final Setting<Integer> TRAIN_AVERAGING_FREQUENCY = Setting.integer("train.averagingFrequency", 0,
            0, 1_000_000,
            "Minibatches each worker fits between two averagings (K). Small K tracks a single-JVM fit closely; "
                    + "large K spends less time broadcasting and merging. 0: chosen when training starts by a "
                    + "round that only times the workers: the smallest K of at least 20 whose round fits for "
                    + "train.roundSeconds and spends at least 90% of its time fitting (the log and model.json "
                    + "say which K; set it to repeat a run exactly on other hardware).")
            .in(j -> j.train().averaging().frequency());
    public static final Setting<Double> TRAIN_ROUND_SECONDS = Setting.positive("train.roundSeconds", 2.0, 3600,
            "With train.averagingFrequency = 0: the seconds of fitting a round aims at, at least (the workers time "
                    + "themselves for up to half of it when training starts). Each round costs a Spark job, a "
                    + "broadcast and a merge, which grow with the model and the executors.")
            .in(j -> j.train().averaging().roundSeconds());
    public static final Setting<Double> TRAIN_OUTER_LEARNING_RATE = Setting.positive("train.outerLearningRate", 1.0,
            10,
            "The outer optimiser (SlowMo, Wang et al. 2020; DiLoCo, Douillard et al. 2023): each round the driver "
                    + "treats the merged parameters' difference from the round's start as a gradient and takes a "
                    + "Nesterov momentum step of this rate. 1 with train.outerMomentum = 0 is plain averaging.")
            .in(j -> j.train().averaging().outerLearningRate());
    public static final Setting<Double> TRAIN_OUTER_MOMENTUM = Setting.fraction("train.outerMomentum", 0.0, 0.0, 1.0,
            true,
            "Nesterov momentum of the outer optimiser (see train.outerLearningRate); 0: none. 0.8 with rate 1 "
                    + "kept K = 100's accuracy at K = 20's on Fashion-MNIST (docs/performance.md).")
            .in(j -> j.train().averaging().outerMomentum());
    public static final Setting<String> TRAIN_AVERAGE_UPDATER_STATE = Setting.choice("train.averageUpdaterState",
            "true", List.of("true", "false"),
            "Average the updater state (Adam's moments, momentum) with the parameters, as dl4j-spark's "
                    + "saveUpdater does; false keeps each replica's own state.")
            .in(j -> String.valueOf(j.train().averaging().updaterState()));
    public static final Setting<Integer> TRAIN_ROUND_TIMEOUT_SECONDS = Setting.integer("train.roundTimeoutSeconds",
            3600, 0, Integer.MAX_VALUE,
            "A round (every worker fitting its K minibatches, and the merge) that has not finished after this "
                    + "many seconds is a hang: the job is cancelled and fails with a message naming the stage "
                    + "and the tasks still running (worker, executor, host, for how long). 0: wait forever.")
            .in(j -> j.train().roundTimeoutSeconds()).runOnly();
    public static final Setting<Integer> TRAIN_EVAL_BATCH_SIZE = Setting.integer("train.evalBatchSize", 256, 1,
            1 << 16,
            "Images per forward pass when evaluating on the held-out split.")
            .in(j -> j.train().evalBatchSize()).runOnly();

    public static final Setting<String> TRAIN_EARLY_STOPPING_METRIC = Setting.choice("train.earlyStopping.metric",
            "none", List.of("none", "accuracy", "macro-f1", "loss"),
            "Stop before train.epochs when this held-out metric has not improved for train.earlyStopping.patience "
                    + "epochs; the model written is then the best epoch's (model.json and the report say which, "
                    + "and why training stopped). none: every epoch runs and the last one's model is written.")
            .in(j -> j.train().earlyStopping().metricName());
    public static final Setting<Integer> TRAIN_EARLY_STOPPING_PATIENCE = Setting.integer(
            "train.earlyStopping.patience", 3, 1, 100_000,
            "Epochs in a row without improvement after which training stops.")
            .in(j -> j.train().earlyStopping().patience());
    public static final Setting<Double> TRAIN_EARLY_STOPPING_MIN_DELTA = Setting.fraction(
            "train.earlyStopping.minDelta", 0.0, 0.0, 1.0, false,
            "An epoch improves only when it beats the best epoch's metric by more than this (accuracy and macro F1 "
                    + "are fractions, e.g. 0.001 for a tenth of a percent).")
            .in(j -> j.train().earlyStopping().minDelta());

    public static final Setting<Integer> CHECKPOINT_EVERY_ROUNDS = Setting.integer("train.checkpoint.everyRounds",
            50, 0, Integer.MAX_VALUE,
            "Write a checkpoint (merged parameters, updater state, epoch and round, images seen, metrics so "
                    + "far) to output.dir/checkpoints every this many averaging rounds, and after every epoch's "
                    + "evaluation; train --resume continues from the newest complete one. 0: only after each "
                    + "epoch. Each checkpoint is written under a hidden name and renamed, and carries the "
                    + "SHA-256 of its data, so a partial or corrupt one is skipped, never loaded.")
            .in(j -> j.checkpoint().everyRounds()).runOnly();
    public static final Setting<Integer> CHECKPOINT_KEEP = Setting.integer("train.checkpoint.keep", 2, 1, 1000,
            "Checkpoints kept; older ones are deleted once a newer one is complete. A finished job deletes "
                    + "its checkpoints after writing the model.")
            .in(j -> j.checkpoint().keep()).runOnly();

    public static final Setting<String> COMPUTE_BACKEND = Setting.choice("compute.backend", ComputeBackend.AUTO,
            "The ND4J backend, on the driver and on every executor. auto: the GPU where one works (the CUDA "
                    + "build, -Pcuda, and a GPU device on the host), else the CPU, said in one log line. cpu: "
                    + "never probes CUDA. gpu: fails fast, naming the host and the reason, where no GPU can be used. "
                    + "Executors get it through spark.executorEnv.BACKEND_PRIORITY_CPU / _GPU; the driver through "
                    + "scripts/spark-cnn and scripts/submit.sh (ND4J reads them once, when the JVM starts).")
            .in(j -> j.backend().configName()).runOnly();

    public static final Setting<String> REGISTRY_DIR = Setting.string("registry.dir", "",
            "The model registry, a folder on any Hadoop FileSystem holding <registry.model>/v<N>/ versions and a "
                    + "champion pointer. Empty: train writes only to output.dir. Set: train also registers its model "
                    + "(the first version becomes champion), and retrain and the registry commands use it.")
            .in(j -> j.registry().dir()).runOnly();
    public static final Setting<String> REGISTRY_MODEL = Setting.matching("registry.model", "default",
            "[A-Za-z0-9][A-Za-z0-9._-]{0,99}", "a name of letters, digits, '.', '_' or '-' (at most 100)",
            "The model's name in the registry: its versions live in registry.dir/<name>/.")
            .in(j -> j.registry().model()).runOnly();

    public static final Setting<String> RETRAIN_METRIC = Setting.choice("retrain.metric", HeldOutMetric.ACCURACY,
            "The held-out metric that decides whether retrain's challenger replaces the champion. Both are "
                    + "scored in the same run on the same held-out images (see retrain.heldOut).")
            .in(j -> j.retrain().metric().configName()).runOnly();
    public static final Setting<Double> RETRAIN_TOLERANCE = Setting.fraction("retrain.tolerance", 0.005, 0.0, 1.0,
            false,
            "The challenger is promoted unless it is worse than the champion by more than this on retrain.metric "
                    + "(absolute: 0.005 = half a point of accuracy), or, on the frozen held-out set, worse by more "
                    + "than this than the best promoted version's score; otherwise the champion stays and the "
                    + "challenger is recorded as rejected with the scores.")
            .in(j -> j.retrain().tolerance()).runOnly();
    public static final Setting<Double> RETRAIN_REPLAY_FRACTION = Setting.fraction("retrain.replayFraction", 0.0,
            0.0, 1.0, false,
            "retrain fits the training images that are new since the newest version's data snapshot (not in it, "
                    + "or changed since) plus this fraction of the old ones, a replay sample that guards against "
                    + "forgetting; 0: new data only, 1: everything. The sample is drawn by hashing each path with "
                    + "the seed and the version number, so each retrain replays a different, reproducible share.")
            .in(j -> j.retrain().replayFraction()).runOnly();
    public static final Setting<String> RETRAIN_HELD_OUT = Setting.choice("retrain.heldOut", "frozen",
            List.of("frozen", "current"),
            "The held-out images champion and challenger are scored on. frozen: those of the model's first "
                    + "version (its data snapshot), the same images in every retrain, so scores compare across "
                    + "runs and new, unvetted held-out files cannot sway the decision (they are counted in the log "
                    + "and used by neither side). current: every held-out file the lake has now.")
            .in(j -> j.retrain().frozenHeldOut() ? "frozen" : "current").runOnly();
    public static final Setting<String> RETRAIN_NEW_CLASSES = Setting.choice("retrain.newClasses", NewClassPolicy.ERROR,
            "A training class the champion does not know. error: stop, naming the classes. grow: add them to "
                    + "the label index and output layer (the old classes keep their ids and weights; the "
                    + "updater state starts afresh) and say so; the champion is then scored as never "
                    + "predicting the new classes.")
            .in(j -> j.retrain().newClasses().configName()).runOnly();
    public static final Setting<Integer> RETRAIN_LOCK_STALE_AFTER_SECONDS = Setting.integer(
            "retrain.lockStaleAfterSeconds", 21600, 1, Integer.MAX_VALUE,
            "A registry lock whose holder has not refreshed it for this long (the holder touches it every "
                    + "minute or so) is stale and taken over, with a warning naming its owner; a lock of a dead "
                    + "process on this host is taken over at once.")
            .in(j -> j.retrain().lockStaleAfterSeconds()).runOnly();

    public static final Setting<String> PREDICT_LAKE = Setting.string("predict.lake", "",
            "The images predict classifies: a folder (images at any depth; the first folder level is the true "
                    + "label where it names a class of the model) or a manifest with a path column and an optional "
                    + "label column, on any Hadoop FileSystem. Bad files follow data.badFiles.")
            .in(j -> j.predict().lake()).runOnly();
    public static final Setting<String> PREDICT_OUTPUT = Setting.string("predict.output", "",
            "Where predict writes predictions.parquet/ (and predictions.csv/), predict.json and bad-files.tsv. "
                    + "Empty: <output.dir>/predictions.")
            .in(j -> j.predict().output()).runOnly();
    public static final Setting<Integer> PREDICT_TOP_K = Setting.integer("predict.topK", 3, 1, 1000,
            "How many of the most probable labels (with their probabilities) each prediction lists.")
            .in(j -> j.predict().topK()).runOnly();
    public static final Setting<String> PREDICT_FORMAT = Setting.choice("predict.format", "parquet",
            List.of("parquet", "csv", "both"),
            "The predictions' file format. CSV has no arrays: its top-k column reads label:probability;... .")
            .in(j -> j.predict().format()).runOnly();

    public static final Setting<String> SERVE_HOST = Setting.string("serve.host", "127.0.0.1",
            "The address serve listens on. 127.0.0.1: this host only; 0.0.0.0 (every interface) for a "
                    + "container or behind a load balancer.")
            .in(j -> j.serve().host()).runOnly();
    public static final Setting<Integer> SERVE_PORT = Setting.integer("serve.port", 8080, 0, 65535,
            "The port serve listens on (0: any free port, printed at start).")
            .in(j -> j.serve().port()).runOnly();
    public static final Setting<Integer> SERVE_THREADS = Setting.integer("serve.threads", 0, 0, 1024,
            "Inference threads, each with its own replica of the network and one ND4J thread. 0: one per core.")
            .in(j -> j.serve().threads()).runOnly();
    public static final Setting<Integer> SERVE_MAX_BATCH = Setting.integer("serve.maxBatch", 32, 1, 4096,
            "The most images an inference thread classifies in one pass; concurrent requests are grouped up to it.")
            .in(j -> j.serve().maxBatch()).runOnly();
    public static final Setting<Integer> SERVE_MAX_DELAY_MS = Setting.integer("serve.maxDelayMs", 2, 0, 10_000,
            "How long an inference thread holding fewer than serve.maxBatch images waits for more before it "
                    + "runs them.")
            .in(j -> j.serve().maxDelayMs()).runOnly();
    public static final Setting<Integer> SERVE_QUEUE_CAPACITY = Setting.integer("serve.queueCapacity", 1024, 1,
            1_000_000,
            "Images waiting for an inference thread; beyond it a request is answered 503 with Retry-After.")
            .in(j -> j.serve().queueCapacity()).runOnly();
    public static final Setting<String> SERVE_MAX_BODY_BYTES = Setting.byteSize("serve.maxBodyBytes", "16m",
            "The largest request body serve reads; a larger one is answered 413 without being read.")
            .in(j -> j.serve().maxBodyBytes()).runOnly();
    public static final Setting<Integer> SERVE_POLL_SECONDS = Setting.integer("serve.pollSeconds", 30, 1, 86_400,
            "With --registry: how often serve looks for a new champion (a promotion or a rollback) and swaps it "
                    + "in between batches.")
            .in(j -> j.serve().pollSeconds()).runOnly();
    public static final Setting<String> SERVE_TOKEN_ENV = Setting.matching("serve.tokenEnv", "",
            "|[A-Za-z_][A-Za-z0-9_]*", "empty or an environment variable's name",
            "The environment variable holding the bearer token every request but the health checks and /metrics "
                    + "must carry (Authorization: Bearer ...). Empty: no token.")
            .in(j -> j.serve().tokenEnv()).runOnly();
    public static final Setting<Integer> SERVE_TOP_K = Setting.integer("serve.topK", 5, 1, 1000,
            "How many of the most probable labels an image upload is answered with.")
            .in(j -> j.serve().topK()).runOnly();
    public static final Setting<Integer> SERVE_SHUTDOWN_SECONDS = Setting.integer("serve.shutdownSeconds", 10, 0,
            3600,
            "On SIGTERM or SIGINT, how long serve lets requests in flight finish before it closes.")
            .in(j -> j.serve().shutdownSeconds()).runOnly();

    public static final Setting<String> OUTPUT_DIR = Setting.string("output.dir", "out",
            "Where the job writes: model/ (train), checkpoints/ (train, while it runs), reports (inspect, "
                    + "evaluate); a URI on any Hadoop FileSystem or a local path.")
            .in(j -> j.outputDir()).runOnly();

    public static final Setting<String> SPARK_MASTER = Setting.matching("spark.master", "",
            "|local|local\\[(\\d+|\\*)(,\\s*\\d+)?]|local-cluster\\[\\d+,\\s*\\d+,\\s*\\d+]|yarn"
                    + "|(spark|k8s|mesos)://\\S+",
            "empty, local, local[N], local[*], local[N,F], local-cluster[N,C,M], yarn, spark://HOST:PORT or "
                    + "k8s://URL",
            "Spark master. Empty: the one spark-submit passes, or local[2] when the job runs outside "
                    + "spark-submit (the launcher scripts/spark-cnn).")
            .in(j -> j.spark().master()).runOnly();
    public static final Setting<String> SPARK_APP_NAME = Setting.string("spark.appName", "spark-cnn",
            "Spark application name, as shown by the cluster manager.")
            .in(j -> j.spark().appName()).runOnly();
    public static final Setting<Map<String, String>> SPARK_CONF = Setting.map("spark.conf",
            "Extra Spark settings, e.g. spark.conf { \"spark.executor.memory\" = 4g }. Settings given to "
                    + "spark-submit with --conf win over these.")
            .in(j -> j.spark().conf()).runOnly();

    public static final SystemProperty DL4J_KERNELS = new SystemProperty("sparkcnn.dl4jKernels", false,
            "true: run DL4J's own CPU layer code instead of spark-cnn's kernels (io.sparkcnn.kernels), for "
                    + "comparison. The results are the same to float rounding; only the speed differs.");
    public static final SystemProperty FUSED_LAYERS = new SystemProperty("sparkcnn.fusedLayers", true,
            "false: keep DL4J's layer objects and updater, with spark-cnn's kernels in DL4J's helper slot only "
                    + "(no fused convolution, pooling or output layer, DL4J's Adam).");
    public static final SystemProperty VECTOR_PLANES = new SystemProperty("sparkcnn.vectorPlanes", true,
            "false: run the fused max pooling's planes in scalar code instead of the Vector API's SIMD lanes "
                    + "(bit for bit the same results). A JVM without --add-modules=jdk.incubator.vector runs "
                    + "the scalar code regardless.");

    public static final SystemProperty ONEDNN = new SystemProperty("sparkcnn.onednn", true,
            "false: run convolutions (as im2col and OpenBLAS products), batch normalisation and max pooling in "
                    + "spark-cnn's Java kernels instead of oneDNN's JIT primitives (the same results to float "
                    + "rounding). Without oneDNN's native library for this platform they run there regardless, "
                    + "and the log says so.");
    public static final SystemProperty ONEDNN_THIN_CONVOLUTIONS = new SystemProperty(
            "sparkcnn.onednnThinConvolutions", true,
            "false: convolutions of 1-3 input channels (a network's first, on grey or RGB images) run as im2col "
                    + "and OpenBLAS products instead of oneDNN's primitives (the same results to float rounding). "
                    + "A ReLU convolution max-pooled within its layer (the seed CNN's) runs so regardless.");
    public static final SystemProperty BLOCKED_COPIES = new SystemProperty("sparkcnn.blockedCopies", true,
            "false: every oneDNN layer reads its input from DL4J's NCHW array, even where the layer before it "
                    + "still holds the same values in oneDNN's blocked layout, and ReLU and ReLU6 activation "
                    + "layers stay DL4J's (the same results; more reorders).");
    public static final SystemProperty ONEDNN_ADDS = new SystemProperty("sparkcnn.onednnAdds", true,
            "false: residual adds (ResNet, MobileNetV2) in DL4J's element-wise vertex, on NCHW arrays, instead of "
                    + "oneDNN's binary primitive on the blocked copies of the layers before (the same results; more "
                    + "reorders).");
    public static final SystemProperty BLOCKED_INFERENCE = new SystemProperty("sparkcnn.blockedInference", true,
            "false: in inference (evaluation, batch predict, serving) a oneDNN layer whose output only oneDNN "
                    + "layers read writes it to DL4J's NCHW array all the same, besides the blocked copy they "
                    + "read (the same results; one more reorder per layer).");
    public static final SystemProperty BLOCKED_TRAINING = new SystemProperty("sparkcnn.blockedTraining", true,
            "false: in training steps a oneDNN layer whose output or input gradient only oneDNN layers read "
                    + "writes it to DL4J's NCHW array all the same, besides the blocked copy they read (the same "
                    + "results; one more reorder per layer).");
    public static final SystemProperty FOLD_BATCH_NORM = new SystemProperty("sparkcnn.foldBatchNorm", true,
            "false: in inference a batch norm after a oneDNN convolution, and a ReLU after it, run as layers of "
                    + "their own instead of within the convolution (its weights and bias scaled and shifted by "
                    + "the batch norm's running statistics; the same results to float rounding).");
    public static final SystemProperty BATCH_NORM_RELU = new SystemProperty("sparkcnn.batchNormReLU", true,
            "false: in training steps a ReLU after a batch norm runs as a layer of its own, forward and backward, "
                    + "instead of within the batch norm's oneDNN primitive (which then keeps a bit mask of where "
                    + "it passed for the backward pass; the same results).");

    /** The system properties that switch the CPU engine (not job settings: they hold for the whole JVM). */
    public static final List<SystemProperty> SYSTEM_PROPERTIES = List.of(DL4J_KERNELS, FUSED_LAYERS, VECTOR_PLANES,
            ONEDNN, ONEDNN_THIN_CONVOLUTIONS, BLOCKED_COPIES, ONEDNN_ADDS, BLOCKED_INFERENCE, BLOCKED_TRAINING,
            FOLD_BATCH_NORM, BATCH_NORM_RELU);

    /** Every declared setting, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(
            SEED,
            DATA_TRAIN, DATA_HELD_OUT, DATA_HELD_OUT_FRACTION, DATA_FORMAT, DATA_EXTENSIONS, DATA_PARTITIONS,
            DATA_CACHE_STORAGE, DATA_CACHE_MAX_BYTES,
            IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS, IMAGE_RESIZE, IMAGE_MAX_PIXELS, IMAGE_NORMALISATION,
            BAD_FILES_POLICY, BAD_FILES_MAX_FRACTION, BAD_FILES_LIST_LIMIT, BAD_FILES_DUPLICATES, AUGMENT_FLIP,
            AUGMENT_CROP_SCALE, AUGMENT_PAD_CROP, AUGMENT_BRIGHTNESS, AUGMENT_CONTRAST,
            MODEL_ARCHITECTURE, MODEL_STEM, TRAIN_UPDATER, TRAIN_LEARNING_RATE, TRAIN_MOMENTUM, TRAIN_LEARNING_RATE_SCHEDULE,
            TRAIN_LEARNING_RATE_DECAY, TRAIN_LEARNING_RATE_DECAY_EPOCHS, TRAIN_WARMUP_EPOCHS, TRAIN_WEIGHT_DECAY,
            TRAIN_LABEL_SMOOTHING, TRAIN_BATCH_SIZE_PER_WORKER,
            TRAIN_STRATEGY, TRAIN_EPOCHS, TRAIN_WORKERS, TRAIN_THREADS_PER_WORKER, TRAIN_AVERAGING_FREQUENCY,
            TRAIN_ROUND_SECONDS, TRAIN_OUTER_LEARNING_RATE, TRAIN_OUTER_MOMENTUM, TRAIN_AVERAGE_UPDATER_STATE,
            TRAIN_ROUND_TIMEOUT_SECONDS, TRAIN_EVAL_BATCH_SIZE, TRAIN_EARLY_STOPPING_METRIC, MODEL_INIT, MODEL_FREEZE,
            TRAIN_EARLY_STOPPING_PATIENCE, TRAIN_EARLY_STOPPING_MIN_DELTA, CHECKPOINT_EVERY_ROUNDS, CHECKPOINT_KEEP,
            COMPUTE_BACKEND, REGISTRY_DIR, REGISTRY_MODEL, RETRAIN_METRIC, RETRAIN_TOLERANCE,
            RETRAIN_REPLAY_FRACTION, RETRAIN_HELD_OUT, RETRAIN_NEW_CLASSES, RETRAIN_LOCK_STALE_AFTER_SECONDS,
            PREDICT_LAKE, PREDICT_OUTPUT, PREDICT_TOP_K, PREDICT_FORMAT, SERVE_HOST, SERVE_PORT, SERVE_THREADS,
            SERVE_MAX_BATCH, SERVE_MAX_DELAY_MS, SERVE_QUEUE_CAPACITY, SERVE_MAX_BODY_BYTES, SERVE_POLL_SECONDS,
            SERVE_TOKEN_ENV, SERVE_TOP_K, SERVE_SHUTDOWN_SECONDS, OUTPUT_DIR,
            SPARK_MASTER, SPARK_APP_NAME, SPARK_CONF);
}
