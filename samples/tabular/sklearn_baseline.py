"""The scikit-learn pipeline the API test compares with, on the same split (train.csv / test.csv).

apt-get install -y python3-sklearn python3-pandas && /usr/bin/python3 samples/tabular/sklearn_baseline.py 0 1 2
SimpleImputer (mean for numbers and booleans, a "(missing)" level for categories) + OneHotEncoder(handle_unknown="ignore")
+ StandardScaler + MLPClassifier, with scikit-learn's defaults otherwise; prints test accuracy and the minority recall.
"""
import os, sys
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, recall_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
train = pd.read_csv(os.path.join(here, "train.csv"), keep_default_na=False, na_values=[""])
test = pd.read_csv(os.path.join(here, "test.csv"), keep_default_na=False, na_values=[""])
numeric, categorical, boolean = ["age", "hours", "income"], ["workclass", "region"], ["member"]
for frame in (train, test):
    frame["member"] = frame["member"].map({True: 1.0, False: 0.0, "true": 1.0, "false": 0.0})

prepare = ColumnTransformer([
    ("numeric", SimpleImputer(strategy="mean"), numeric + boolean),
    ("categorical", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"), OneHotEncoder(handle_unknown="ignore")), categorical),
], sparse_threshold=0)
seeds = [int(s) for s in sys.argv[1:]] or [0]
for seed in seeds:
    model = make_pipeline(prepare, StandardScaler(), MLPClassifier(random_state=seed, max_iter=1000))
    model.fit(train.drop(columns="label"), train["label"])
    predicted = model.predict(test.drop(columns="label"))
    print(f"seed {seed}: accuracy {accuracy_score(test['label'], predicted):.4f} recall(yes) {recall_score(test['label'], predicted, pos_label='yes'):.4f}")
