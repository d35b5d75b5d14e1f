public enum X{}
