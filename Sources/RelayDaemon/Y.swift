public enum Y{}
