"""The Streamlit app package: entry, navigation, auth, UI components and the CLI."""
